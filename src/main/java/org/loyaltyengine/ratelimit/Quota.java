package org.loyaltyengine.ratelimit;

/**
 * A rate limit: {@code perSecond} requests per second on average, up to {@code burst} at once (a full
 * bucket). The same shape for a configured default and for an override of one key or one tenant.
 */
public record Quota(int perSecond, int burst) {
  public static final int MAX_PER_SECOND = 1_000_000;
  public static final int MAX_BURST = 10_000_000;

  public Quota {
    if (perSecond < 1 || perSecond > MAX_PER_SECOND) {
      throw new IllegalArgumentException("perSecond must be 1.." + MAX_PER_SECOND + " (got " + perSecond + ")");
    }
    if (burst < 1 || burst > MAX_BURST) {
      throw new IllegalArgumentException("burst must be 1.." + MAX_BURST + " (got " + burst + ")");
    }
  }

  /** Microseconds between two requests at the sustained rate (the GCRA emission interval). */
  public long intervalMicros() {
    return 1_000_000L / perSecond;
  }

  /** This quota's share on one of {@code nodes} nodes that cannot see each other's counts. */
  public Quota perNode(int nodes) {
    return nodes <= 1 ? this : new Quota(Math.max(1, perSecond / nodes), Math.max(1, burst / nodes));
  }
}
