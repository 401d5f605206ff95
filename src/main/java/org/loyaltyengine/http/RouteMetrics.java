package org.loyaltyengine.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Per-route request counts and latency, recorded once when each answer ends: the questions the HTTP metrics
 * answer (how many, how fast, how many failed, per route) and nothing else. Vert.x's own HTTP server metrics
 * answered the same ones but built their tags and looked up three meters per request (with an in-flight gauge
 * and size histograms besides): about a tenth of a read's CPU. Here a request costs two map lookups by the
 * route's and method's identity and two records.
 *
 * <p>The {@code route} label is the matched route's template ({@code /v1/members/:externalId}), never the raw
 * path, and {@code ""} when no route matched (404, 405): its cardinality is the number of routes. A route that
 * fails hands its answer to the failure handler, which has no path; the template is then the one the request
 * was {@link #matched} on (by the authenticator, the first handler of every API route).
 *
 * <p>One instance per HTTP verticle, used on its event loop only; the meters themselves are the registry's.
 */
public final class RouteMetrics implements Handler<RoutingContext> {
  private static final String ROUTE = "metricsRoute";
  private static final int CODES = 600;

  private final MeterRegistry registry;
  /** By route template, then method: the meters of each status code, made on first use. Event-loop confined. */
  private final Map<String, Map<String, Meters[]>> byRoute = new HashMap<>();

  private record Meters(Counter requests, Timer latency) {}

  public RouteMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Open connections of each engine (one registry per engine, several engines in a test JVM). */
  private static final Map<MeterRegistry, java.util.concurrent.atomic.AtomicLong> CONNECTIONS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /** Counts {@code connection} among the engine's open HTTP connections until it closes. */
  public void opened(io.vertx.core.http.HttpConnection connection) {
    java.util.concurrent.atomic.AtomicLong open = CONNECTIONS.computeIfAbsent(registry, r -> {
      java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();
      io.micrometer.core.instrument.Gauge.builder("loyalty.http.server.active.connections", n,
          java.util.concurrent.atomic.AtomicLong::get).description("Open HTTP connections (API port)").register(r);
      return n;
    });
    open.incrementAndGet();
    connection.closeHandler(v -> open.decrementAndGet());
  }

  /** Marks the route a request matched, for an answer sent from elsewhere (a failure handler). */
  public static void matched(RoutingContext ctx) {
    Route route = ctx.currentRoute();
    if (route != null && route.getPath() != null) {
      ctx.put(ROUTE, route.getPath());
    }
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(done -> record(ctx, System.nanoTime() - start));
    ctx.next();
  }

  private void record(RoutingContext ctx, long nanos) {
    String route = ctx.get(ROUTE);
    if (route == null) {
      Route current = ctx.currentRoute();
      route = current == null || current.getPath() == null ? "" : current.getPath();
    }
    int code = ctx.response().getStatusCode();
    Meters m = meters(route, method(ctx.request().method()), code < 0 || code >= CODES ? 0 : code);
    m.requests.increment();
    m.latency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The method's label: one of the API's methods, or OTHER (a client may send any token as a method). */
  private static String method(HttpMethod method) {
    for (HttpMethod known : KNOWN) {
      if (known.equals(method)) {
        return known.name();
      }
    }
    return "OTHER";
  }

  private static final HttpMethod[] KNOWN = {HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
      HttpMethod.DELETE, HttpMethod.HEAD, HttpMethod.OPTIONS};

  private Meters meters(String route, String method, int code) {
    Meters[] byCode = byRoute.computeIfAbsent(route, r -> new HashMap<>()).computeIfAbsent(method, x -> new Meters[CODES]);
    Meters m = byCode[code];
    if (m == null) {
      String c = Integer.toString(code);
      m = new Meters(
          Counter.builder("loyalty.http.server.requests").description("Answered HTTP requests")
              .tags("route", route, "method", method, "code", c).register(registry),
          Timer.builder("loyalty.http.server.response.time").description("Time from a request's arrival to the end of its answer")
              .tags("route", route, "method", method, "code", c).register(registry));
      byCode[code] = m;
    }
    return m;
  }
}
