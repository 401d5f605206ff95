package org.loyaltyengine.fulfillment;

import java.util.function.LongUnaryOperator;

/**
 * Exponential backoff with full jitter: after attempt {@code n} wait a random time in
 * [0, min(cap, base x 2^(n-1))], so that jobs failed together do not all come back together.
 */
public record Backoff(long baseMs, long capMs) {

  /** @param randomBelow returns a uniformly random long in [0, bound) */
  public long delayMs(int attempt, LongUnaryOperator randomBelow) {
    int shift = Math.min(Math.max(attempt - 1, 0), 30);
    long ceiling = Math.min(capMs, baseMs << shift);
    return randomBelow.applyAsLong(ceiling + 1);
  }
}
