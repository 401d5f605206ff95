package org.loyaltyengine.events;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("Outbox work partitions and the relay's backoff")
class OutboxPartitionsTest {

  @Test
  @DisplayName("a member's events fall in partition member id mod N")
  void memberIdModN() {
    assertEquals(3, OutboxPartitions.of(11L, 8));
    assertEquals(0, OutboxPartitions.of(16L, 8));
    assertEquals(0, OutboxPartitions.of(5L, 1));
  }

  @Test
  @DisplayName("events that concern no member fall in partition 0")
  void noMemberIsPartitionZero() {
    assertEquals(0, OutboxPartitions.of(null, 8));
  }

  @Test
  @DisplayName("each partition has its own lease name")
  void leaseNames() {
    assertEquals("outbox.relay.0", OutboxPartitions.leaseName(0));
    assertEquals("outbox.relay.7", OutboxPartitions.leaseName(7));
  }

  @Test
  @DisplayName("the wait after failures doubles from the poll interval up to the cap")
  void backoffDoublesToTheCap() {
    assertEquals(0, OutboxPartitions.backoffMs(0, 200, 5_000));
    assertEquals(200, OutboxPartitions.backoffMs(1, 200, 5_000));
    assertEquals(400, OutboxPartitions.backoffMs(2, 200, 5_000));
    assertEquals(3_200, OutboxPartitions.backoffMs(5, 200, 5_000));
    assertEquals(5_000, OutboxPartitions.backoffMs(6, 200, 5_000));
    assertEquals(5_000, OutboxPartitions.backoffMs(1_000, 200, 5_000));
  }
}
