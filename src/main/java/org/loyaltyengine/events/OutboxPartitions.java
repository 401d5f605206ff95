package org.loyaltyengine.events;

/**
 * How the relay splits the outbox into independent work partitions: all of a member's events fall in one
 * partition (member id mod N), events that concern no member in partition 0. One node at a time works a
 * partition, in id order, which is what keeps each member's events in order. The same function is written
 * in SQL in {@link OutboxRepository}; every node must use the same N.
 */
public final class OutboxPartitions {
  private OutboxPartitions() {
  }

  public static int of(Long memberId, int partitions) {
    return memberId == null ? 0 : (int) Math.floorMod(memberId, (long) partitions);
  }

  /** The lease a node must hold to work {@code partition}. */
  public static String leaseName(int partition) {
    return "outbox.relay." + partition;
  }

  /**
   * Wait after {@code failures} consecutive failed publishes: doubling from {@code baseMs}, at most
   * {@code capMs}, so an outage costs a few queries a second per partition rather than a busy loop.
   */
  public static long backoffMs(int failures, long baseMs, long capMs) {
    if (failures <= 0) {
      return 0;
    }
    long delay = baseMs << Math.min(failures - 1, 20);
    return Math.min(Math.max(delay, baseMs), capMs);
  }
}
