package org.loyaltyengine.webhook;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import org.loyaltyengine.events.DomainEvent;
import org.loyaltyengine.events.EventConsumer;

import java.util.List;

/**
 * Turns domain events into webhook deliveries: for each event, one delivery per active subscription of its
 * tenant that takes its type. Only queues them (the dispatcher sends), so a slow endpoint never holds the
 * feed. Idempotent by (subscription, event), so the feed's redeliveries add nothing.
 */
public final class WebhookConsumer implements EventConsumer {
  public static final String GROUP = "webhooks";

  private final WebhookDeliveryRepository deliveries;

  public WebhookConsumer(Pool pool) {
    this.deliveries = new WebhookDeliveryRepository(pool);
  }

  @Override
  public String group() {
    return GROUP;
  }

  @Override
  public Future<Void> handle(List<DomainEvent> batch) {
    return batch.isEmpty() ? Future.succeededFuture() : deliveries.enqueue(batch).mapEmpty();
  }
}
