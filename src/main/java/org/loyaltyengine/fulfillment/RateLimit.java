package org.loyaltyengine.fulfillment;

/**
 * A token bucket of {@code perSecond} tokens (burst of one second). {@link #reserve} takes tokens now and
 * says how long to wait before they may be used, so callers schedule rather than spin.
 */
public final class RateLimit {
  private final double perNano;
  private final double burst;
  private double tokens;
  private long lastNanos;

  public RateLimit(int perSecond, long nowNanos) {
    this.perNano = perSecond / 1e9;
    this.burst = perSecond;
    this.tokens = perSecond;
    this.lastNanos = nowNanos;
  }

  /** Reserves {@code n} tokens; returns the milliseconds to wait before using them (0 = now). */
  public synchronized long reserve(int n, long nowNanos) {
    tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * perNano);
    lastNanos = nowNanos;
    tokens -= n;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / perNano / 1e6);
  }
}
