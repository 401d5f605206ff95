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
 * before the body is read, the key looked up or the database touched. The slot is given back when the
 * answer ends or the connection closes.
 */
final class AdmissionHandler implements Handler<RoutingContext> {
  private final Admission admission;
  private final String retryAfter;
  private final Counter shed;

  AdmissionHandler(Admission admission, int retryAfterSeconds, MeterRegistry registry) {
    this.admission = admission;
    this.retryAfter = Integer.toString(retryAfterSeconds);
    this.shed = Counter.builder("loyalty_admission_shed")
        .description("Requests refused at once with 503 overloaded because the node had maxInFlight in flight")
        .register(registry);
    Gauge.builder("loyalty_admission_in_flight", admission, Admission::inFlight)
        .description("API requests being served by this node").register(registry);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (!admission.tryEnter()) {
      shed.increment();
      ctx.response().putHeader("Retry-After", retryAfter);
      Failures.send(ctx, 503, "overloaded", "the server is at capacity; retry after " + retryAfter + " s", null);
      return;
    }
    boolean[] left = {false};
    ctx.addEndHandler(done -> {
      if (!left[0]) {
        left[0] = true;
        admission.leave();
      }
    });
    ctx.next();
  }
}
