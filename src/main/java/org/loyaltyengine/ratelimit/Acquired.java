package org.loyaltyengine.ratelimit;

/**
 * A rate-limit decision and, when the caller asked for one more key to be read in the same call
 * ({@link RateLimitClient#acquire(org.loyaltyengine.tenant.Caller, String)}), what became of that read:
 * <ul>
 *   <li>{@code read}: Redis decided, allowed the request and read the key; {@code value} is its bytes, or null
 *       when the key does not exist;</li>
 *   <li>{@code failed}: the call failed or timed out (the local limiter decided): Redis is in trouble, so the caller
 *       should not try it again for this request;</li>
 *   <li>neither: nothing was read (nothing asked, the request was refused, or the limiter's circuit is open and
 *       Redis was not called): the caller reads the key on its own path.</li>
 * </ul>
 */
public record Acquired(Verdict verdict, boolean read, byte[] value, boolean failed) {
  static Acquired decided(Verdict verdict) {
    return new Acquired(verdict, false, null, false);
  }
}
