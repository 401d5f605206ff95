package org.loyaltyengine.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Accepts the caller's {@code X-Request-Id} (when it is a sane token) or makes one, echoes it on the
 * response and keeps it on the context for log lines. Optionally writes one access-log line per request.
 */
public final class RequestIds implements Handler<RoutingContext> {
  public static final String HEADER = "X-Request-Id";
  static final String KEY = "requestId";
  private static final Pattern ACCEPTABLE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Logger access = LoggerFactory.getLogger("access");

  private final boolean accessLog;

  public RequestIds(boolean accessLog) {
    this.accessLog = accessLog;
  }

  public static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String id = ctx.request().getHeader(HEADER);
    if (id == null || !ACCEPTABLE.matcher(id).matches()) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      id = Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    if (accessLog) {
      long start = System.nanoTime();
      String requestId = id;
      ctx.addEndHandler(done -> access.info("requestId={} method={} path=\"{}\" status={} durationUs={}",
          requestId, ctx.request().method(), ctx.request().path(), ctx.response().getStatusCode(),
          (System.nanoTime() - start) / 1000));
    }
    ctx.next();
  }
}
