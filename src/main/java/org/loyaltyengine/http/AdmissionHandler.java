package org.loyaltyengine.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.platform.Admission;

/**
 * The first handler of every API request (health and metrics are mounted before it, so they are never shed):
 * takes one of the node's in-flight slots or answers {@code 503 overloaded} with {@code Retry-After} at once,
 * before the body is read, the key looked up or the database touched. The slot is given back, and the
 * request's latency reported to the latency controller, when the answer ends or the connection closes.
 */
final class AdmissionHandler implements Handler<RoutingContext> {
  private final Admission admission;
  private final String retryAfter;
  private final Counter shedInFlight;
  private final Counter shedLatency;

  AdmissionHandler(Admission admission, int retryAfterSeconds, MeterRegistry registry) {
    this.admission = admission;
    this.retryAfter = Integer.toString(retryAfterSeconds);
    this.shedInFlight = shedCounter(registry, "in_flight");
    this.shedLatency = shedCounter(registry, "latency");
    Gauge.builder("loyalty_admission_in_flight", admission, Admission::inFlight)
        .description("API requests being served by this node").register(registry);
    Gauge.builder("loyalty_admission_limit", admission, Admission::limit)
        .description("Requests in flight this node admits now: maxInFlight, or the latency controller's lower limit while it sheds")
        .register(registry);
    Gauge.builder("loyalty_admission_latency_target_seconds", admission, a -> a.latencyTargetNanos() / 1e9)
        .description("The latency controller's target: the configured one, or 2 x the node's measured steady latency when higher")
        .register(registry);
    Gauge.builder("loyalty_admission_latency_shedding", admission, a -> a.latencyShedding() ? 1 : 0)
        .description("1 while the latency controller sheds (the node's queue grew past the latency target), else 0")
        .register(registry);
  }

  private static Counter shedCounter(MeterRegistry registry, String reason) {
    return Counter.builder("loyalty_admission_shed")
        .description("Requests refused at once with 503 overloaded: in_flight = maxInFlight were in flight, "
            + "latency = the latency controller was shedding")
        .tag("reason", reason).register(registry);
  }

  @Override
  public void handle(RoutingContext ctx) {
    long arrived = admission.now();
    Admission.Verdict verdict = admission.tryEnter(arrived);
    if (verdict != Admission.Verdict.ADMITTED) {
      (verdict == Admission.Verdict.SHED_LATENCY ? shedLatency : shedInFlight).increment();
      ctx.response().putHeader("Retry-After", retryAfter);
      Failures.send(ctx, 503, "overloaded", "the server is at capacity; retry after " + retryAfter + " s", null);
      return;
    }
    boolean[] left = {false};
    ctx.addEndHandler(done -> {
      if (!left[0]) {
        left[0] = true;
        admission.leave(arrived, done.succeeded());
      }
    });
    ctx.next();
  }
}
