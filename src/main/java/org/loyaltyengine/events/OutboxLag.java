package org.loyaltyengine.events;

/**
 * How far the relay is behind: unpublished outbox rows and the age of the oldest one (0 when none).
 *
 * @param unpublishedRows  rows not yet handed to Kafka (or to every consumer group without Kafka)
 * @param oldestAgeSeconds age of the oldest of them, whole seconds
 */
public record OutboxLag(long unpublishedRows, long oldestAgeSeconds) {
  public static final OutboxLag NONE = new OutboxLag(0, 0);

  /** Behind enough that readiness should say degraded. */
  public boolean olderThan(long seconds) {
    return unpublishedRows > 0 && oldestAgeSeconds > seconds;
  }
}
