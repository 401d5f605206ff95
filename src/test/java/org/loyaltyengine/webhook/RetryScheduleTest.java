package org.loyaltyengine.webhook;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.fulfillment.Backoff;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.function.LongUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Webhook retry schedule: exponential backoff with full jitter, for up to maxAge after the first attempt")
class RetryScheduleTest {
  static final RetrySchedule SCHEDULE = new RetrySchedule(new Backoff(1_000, 3_600_000), Duration.ofHours(24));
  static final Instant FIRST = Instant.parse("2026-11-22T10:00:00Z");
  /** The longest wait full jitter can choose. */
  static final LongUnaryOperator LONGEST = bound -> bound - 1;

  @Test
  @DisplayName("the longest possible wait doubles with each attempt from the base, up to the cap")
  void exponential() {
    assertEquals(1_000, SCHEDULE.afterFailure(1, FIRST, FIRST, LONGEST).getAsLong());
    assertEquals(2_000, SCHEDULE.afterFailure(2, FIRST, FIRST, LONGEST).getAsLong());
    assertEquals(512_000, SCHEDULE.afterFailure(10, FIRST, FIRST, LONGEST).getAsLong());
    assertEquals(3_600_000, SCHEDULE.afterFailure(13, FIRST, FIRST, LONGEST).getAsLong());
    assertEquals(3_600_000, SCHEDULE.afterFailure(200, FIRST, FIRST, LONGEST).getAsLong());
  }

  @Test
  @DisplayName("full jitter: the wait is drawn from zero up to the ceiling")
  void jitter() {
    assertEquals(0, SCHEDULE.afterFailure(5, FIRST, FIRST, bound -> 0).getAsLong());
    long[] seen = new long[1];
    SCHEDULE.afterFailure(5, FIRST, FIRST, bound -> {
      seen[0] = bound;
      return 7;
    });
    assertEquals(16_001, seen[0], "uniform in [0, 16 s]");
  }

  @Test
  @DisplayName("a retry that would fall after 24 h from the first attempt is not scheduled: the delivery fails")
  void givesUpAfterMaxAge() {
    Instant almostDay = FIRST.plus(Duration.ofHours(24)).minusSeconds(10);
    OptionalLong lateButInside = SCHEDULE.afterFailure(20, FIRST, almostDay, bound -> 5_000);
    assertEquals(5_000, lateButInside.getAsLong());
    assertTrue(SCHEDULE.afterFailure(20, FIRST, almostDay, bound -> 10_000).isEmpty());
    assertTrue(SCHEDULE.afterFailure(20, FIRST, FIRST.plus(Duration.ofHours(25)), bound -> 0).isEmpty());
  }
}
