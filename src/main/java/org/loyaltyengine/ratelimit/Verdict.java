package org.loyaltyengine.ratelimit;

/**
 * The answer for one request. {@code limit}, {@code remaining} and {@code resetMicros} describe the bucket
 * closest to its limit (they become the {@code RateLimit-*} headers); {@code retryAfterMicros} is how long a
 * refused caller must wait (0 when allowed).
 */
public record Verdict(boolean allowed, long limit, long remaining, long resetMicros, long retryAfterMicros) {

  /** Whole seconds until the bucket is full again; never 0 while it is not (RateLimit-Reset). */
  public long resetSeconds() {
    return ceilSeconds(resetMicros);
  }

  /** Whole seconds to wait before retrying, at least 1 (Retry-After). */
  public long retryAfterSeconds() {
    return Math.max(1, ceilSeconds(retryAfterMicros));
  }

  private static long ceilSeconds(long micros) {
    return micros <= 0 ? 0 : (micros + 999_999) / 1_000_000;
  }
}
