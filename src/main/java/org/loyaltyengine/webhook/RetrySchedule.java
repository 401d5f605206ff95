package org.loyaltyengine.webhook;

import org.loyaltyengine.fulfillment.Backoff;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.function.LongUnaryOperator;

/**
 * When a failed delivery is tried again: exponential backoff with full jitter, for as long as the next try
 * still falls within {@code maxAge} of the first attempt; after that the delivery is failed for good.
 */
public record RetrySchedule(Backoff backoff, Duration maxAge) {

  /**
   * @param attemptsMade   attempts including the one that just failed (1 after the first)
   * @param firstAttemptAt when the first attempt was made
   * @return the delay before the next attempt, or empty when the delivery should be failed
   */
  public OptionalLong afterFailure(int attemptsMade, Instant firstAttemptAt, Instant now, LongUnaryOperator randomBelow) {
    long delayMs = backoff.delayMs(attemptsMade, randomBelow);
    Instant deadline = firstAttemptAt.plus(maxAge);
    return now.plusMillis(delayMs).isBefore(deadline) ? OptionalLong.of(delayMs) : OptionalLong.empty();
  }
}
