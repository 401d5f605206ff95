package org.loyaltyengine.tenant;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Node-wide cache of key hash to caller (or to "no such key"), so that authenticating a request costs no
 * database round trip. Entries live {@code ttlNanos}: a revocation made on this node invalidates at once,
 * one made elsewhere arrives by event bus, and the TTL bounds staleness if that message is ever lost.
 */
public final class ApiKeyCache {
  private record Entry(Caller caller, long expiresAtNanos) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final long ttlNanos;
  private final int maxEntries;
  private final LongSupplier nanoClock;

  public ApiKeyCache(long ttlMillis, int maxEntries, LongSupplier nanoClock) {
    this.ttlNanos = ttlMillis * 1_000_000L;
    this.maxEntries = maxEntries;
    this.nanoClock = nanoClock;
  }

  /** Empty when not cached; {@code Optional.of(Optional.empty())} when cached as unknown or revoked. */
  public Optional<Optional<Caller>> lookup(String keyHash) {
    Entry e = entries.get(keyHash);
    if (e == null) {
      return Optional.empty();
    }
    if (nanoClock.getAsLong() - e.expiresAtNanos >= 0) {
      entries.remove(keyHash, e);
      return Optional.empty();
    }
    return Optional.of(Optional.ofNullable(e.caller));
  }

  public void remember(String keyHash, Optional<Caller> caller) {
    if (ttlNanos == 0) {
      return;
    }
    if (entries.size() >= maxEntries) {
      entries.clear(); // crude but bounded: a flood of random keys cannot grow memory
    }
    entries.put(keyHash, new Entry(caller.orElse(null), nanoClock.getAsLong() + ttlNanos));
  }

  public void invalidate(String keyHash) {
    entries.remove(keyHash);
  }

  /** Forgets every key of {@code tenantId} (its rate-limit override changed). A scan: rare, operator-driven. */
  public void invalidateTenant(java.util.UUID tenantId) {
    entries.values().removeIf(e -> e.caller != null && tenantId.equals(e.caller.tenantId()));
  }

  public int size() {
    return entries.size();
  }
}
