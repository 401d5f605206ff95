package org.loyaltyengine.fulfillment;

import org.loyaltyengine.platform.Rejection;

/**
 * How to reach one tenant's partner, and the bounds on how hard to push it.
 *
 * @param maxConcurrency batch calls in flight at once
 * @param ratePerSecond  items sent per second at most
 * @param batchSize      items per batch call
 * @param maxAttempts    calls per job before its redemption fails and is refunded
 */
public record PartnerConfig(String partnerId, String url, String apiKey, int maxConcurrency, int ratePerSecond,
                            int batchSize, int timeoutMs, int maxAttempts) {
  public PartnerConfig {
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw Rejection.invalid("url", "url must be an http:// or https:// address");
    }
    check("maxConcurrency", maxConcurrency, 1, 256);
    check("ratePerSecond", ratePerSecond, 1, 100_000);
    check("batchSize", batchSize, 1, 100);
    check("timeoutMs", timeoutMs, 100, 120_000);
    check("maxAttempts", maxAttempts, 1, 100);
  }

  private static void check(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw Rejection.invalid(field, field + " must be between " + min + " and " + max);
    }
  }
}
