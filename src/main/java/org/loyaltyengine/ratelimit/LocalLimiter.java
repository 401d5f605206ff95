package org.loyaltyengine.ratelimit;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The node's own limiter, used only while Redis is unreachable or slow: the same GCRA, with the buckets in
 * this node's memory. Each node then enforces {@code quota.perNode(nodes)} on its own (see
 * docs/protection.md). One per node, shared by its event loops; the lock is held for a few map lookups.
 */
public final class LocalLimiter {
  private final Map<String, Long> tats = new HashMap<>();
  private final int maxEntries;
  private final LongSupplier nanoClock;

  public LocalLimiter(int maxEntries, LongSupplier nanoClock) {
    this.maxEntries = maxEntries;
    this.nanoClock = nanoClock;
  }

  /** Decides one request against the buckets named {@code buckets} (the names Redis uses for them). */
  public synchronized Verdict acquire(String[] buckets, Quota[] quotas) {
    long now = nanoClock.getAsLong() / 1000;
    long[] state = new long[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      state[i] = tats.getOrDefault(buckets[i], 0L);
    }
    Verdict verdict = Gcra.decide(state, quotas, now);
    if (verdict.allowed()) {
      if (tats.size() + buckets.length > maxEntries) {
        // Bounded memory: forget everything. Whoever was limited gets a fresh burst, once; only while Redis is down.
        tats.clear();
      }
      for (int i = 0; i < buckets.length; i++) {
        tats.put(buckets[i], state[i]);
      }
    }
    return verdict;
  }

  public synchronized int size() {
    return tats.size();
  }
}
