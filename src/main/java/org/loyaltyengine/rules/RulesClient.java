package org.loyaltyengine.rules;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import org.loyaltyengine.platform.Overloaded;

/**
 * Asks a rules worker over the event bus. At most {@code maxPending} evaluations await an answer at once
 * (per client, i.e. per HTTP verticle, on its event loop); beyond that the request is shed with
 * {@link Overloaded} instead of joining a queue that would only end in the send time-out.
 */
public final class RulesClient {
  private final EventBus eventBus;
  private final DeliveryOptions options;
  private final int maxPending;
  private int pending;

  /**
   * @param localWorkers whether this node runs rules workers: then evaluations stay on it (no network hop, and
   *                     the codec passes the records by reference); else they go to the workers of other
   *                     cluster nodes, as JSON
   */
  public RulesClient(EventBus eventBus, long timeoutMs, boolean localWorkers, int maxPending) {
    this.eventBus = eventBus;
    this.options = new DeliveryOptions().setLocalOnly(localWorkers).setSendTimeout(timeoutMs);
    this.maxPending = maxPending;
  }

  public Future<RuleVerdict> evaluate(EvaluationRequest request) {
    if (pending >= maxPending) {
      return Future.failedFuture(new Overloaded(maxPending + " rule evaluations already pending"));
    }
    pending++;
    return eventBus.<RuleVerdict>request(RulesVerticle.ADDRESS, request, options)
        .<RuleVerdict>map(m -> m.body())
        .onComplete(ar -> pending--);
  }
}
