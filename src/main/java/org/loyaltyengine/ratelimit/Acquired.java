package org.loyaltyengine.ratelimit;

import io.vertx.core.buffer.Buffer;

/**
 * A rate-limit decision and, when the caller asked for one more key to be read in the same call
 * ({@link RateLimitClient#acquire(org.loyaltyengine.tenant.Caller, String)}), its value: {@code read} is true
 * only when Redis decided and allowed the request, and then {@code value} is the key's bytes, or null when the
 * key does not exist. When {@code read} is false nothing is known about the key (refused, or the node's local
 * limiter decided because Redis failed): the caller reads it on its own path.
 */
public record Acquired(Verdict verdict, boolean read, Buffer value) {
  static Acquired decided(Verdict verdict) {
    return new Acquired(verdict, false, null);
  }
}
