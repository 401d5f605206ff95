package org.loyaltyengine.rules;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/** Asks a rules worker over the event bus. */
public final class RulesClient {
  private final EventBus eventBus;
  private final DeliveryOptions options;

  /**
   * @param localWorkers whether this node runs rules workers: then evaluations stay on it (no network hop, and
   *                     the codec passes the records by reference); else they go to the workers of other
   *                     cluster nodes, as JSON
   */
  public RulesClient(EventBus eventBus, long timeoutMs, boolean localWorkers) {
    this.eventBus = eventBus;
    this.options = new DeliveryOptions().setLocalOnly(localWorkers).setSendTimeout(timeoutMs);
  }

  public Future<RuleVerdict> evaluate(EvaluationRequest request) {
    return eventBus.<RuleVerdict>request(RulesVerticle.ADDRESS, request, options).map(m -> m.body());
  }
}
