package org.loyaltyengine.rules;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/** Asks the rules worker over the event bus. */
public final class RulesClient {
  private final EventBus eventBus;
  private final DeliveryOptions options;

  public RulesClient(EventBus eventBus, long timeoutMs) {
    this.eventBus = eventBus;
    // Local codecs pass the records by reference: no serialization on a single node.
    this.options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeoutMs);
  }

  public Future<RuleVerdict> evaluate(EvaluationRequest request) {
    return eventBus.<RuleVerdict>request(RulesVerticle.ADDRESS, request, options).map(m -> m.body());
  }
}
