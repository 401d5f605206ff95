package org.loyaltyengine.events;

import io.vertx.core.Future;

import java.util.List;

/**
 * A downstream consumer of domain events (analytics, webhooks). The event feed hands it batches in
 * per-member order and at least once: the same event may arrive again after a crash or a relay
 * fail-over, so {@link #handle} must be idempotent by {@link DomainEvent#eventId()}. The feed treats the
 * batch as processed (commits the Kafka offsets, or answers the relay) only when the returned future
 * succeeds; a failure means the whole batch will be delivered again.
 */
public interface EventConsumer {
  /** The consumer group: the Kafka group id, and the name of the in-process delivery address. */
  String group();

  Future<Void> handle(List<DomainEvent> batch);
}
