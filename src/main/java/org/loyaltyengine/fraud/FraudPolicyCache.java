package org.loyaltyengine.fraud;

import io.vertx.core.Future;

import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Node-wide cache of the tenants' active fraud policies, like the tenant settings cache: a change made on
 * this node applies at once, other nodes drop the entry on {@code loyalty.tenant.changed}, and every entry
 * is re-read after {@code ttlMillis} (at most a second) in any case.
 */
public final class FraudPolicyCache {
  private static final int MAX_ENTRIES = 100_000;

  private record Entry(FraudRepository.Versioned policy, long loadedAtNanos) {}

  private final ConcurrentHashMap<UUID, Entry> entries = new ConcurrentHashMap<>();
  private final long ttlNanos;
  private final LongSupplier nanoClock;

  public FraudPolicyCache(long ttlMillis, LongSupplier nanoClock) {
    this.ttlNanos = ttlMillis * 1_000_000L;
    this.nanoClock = nanoClock;
  }

  public Future<FraudRepository.Versioned> get(UUID tenantId, Function<UUID, Future<FraudRepository.Versioned>> loader) {
    Entry e = entries.get(tenantId);
    if (e != null && nanoClock.getAsLong() - e.loadedAtNanos < ttlNanos) {
      return Future.succeededFuture(e.policy);
    }
    return loader.apply(tenantId).onSuccess(p -> put(tenantId, p));
  }

  public void put(UUID tenantId, FraudRepository.Versioned policy) {
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(tenantId, new Entry(policy, nanoClock.getAsLong()));
  }

  public void invalidate(UUID tenantId) {
    entries.remove(tenantId);
  }
}
