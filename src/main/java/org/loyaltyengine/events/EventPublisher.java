package org.loyaltyengine.events;

import io.vertx.core.Future;

import java.util.List;

/**
 * Where the relay hands a batch: Kafka, or the consumer groups over the event bus. {@link #publish}
 * succeeds only when the whole batch has been taken (every record acknowledged by all in-sync replicas,
 * or every group answered); any failure means the relay sends the whole batch again later.
 */
public interface EventPublisher {
  /** {@code batch} is one work partition's rows in id order; they must be sent in that order. */
  Future<Void> publish(List<DomainEvent> batch);

  /** A short name for metrics and logs: {@code kafka} or {@code bus}. */
  String sink();

  /** True, false, or null when not known / not applicable (no Kafka). */
  Boolean reachable();

  /** Refreshes {@link #reachable} (a cheap round trip to the broker); no-op without Kafka. */
  Future<Void> probe();

  Future<Void> close();
}
