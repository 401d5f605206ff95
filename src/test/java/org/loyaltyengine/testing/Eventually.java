package org.loyaltyengine.testing;

import java.util.function.BooleanSupplier;

/** Waiting for an asynchronous outcome in a test: poll a condition until it holds or a deadline passes. */
public final class Eventually {
  private static final long POLL_MS = 20;

  private Eventually() {}

  /** True as soon as {@code condition} holds; false if it still does not after {@code timeoutMs}. */
  public static boolean eventually(long timeoutMs, BooleanSupplier condition) {
    long end = System.nanoTime() + Math.max(0, timeoutMs) * 1_000_000;
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting", e);
      }
    }
    return condition.getAsBoolean();
  }
}
