package org.loyaltyengine.tenant;

import io.vertx.core.Future;

import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Node-wide cache of tenant settings. A change made on this node is applied at once; other nodes drop the
 * entry when the change is published on {@link #CHANGED_ADDRESS}, and in any case re-read it after
 * {@code ttlMillis} (at most one second), which is the bound on how long a rule or policy change takes to
 * reach every node.
 */
public final class TenantSettingsCache {
  /** Published with the tenant id whenever a tenant's rules, tiers or policies change. */
  public static final String CHANGED_ADDRESS = "loyalty.tenant.changed";

  private record Entry(TenantSettings settings, long loadedAtNanos) {}

  private final ConcurrentHashMap<UUID, Entry> entries = new ConcurrentHashMap<>();
  private final long ttlNanos;
  private final LongSupplier nanoClock;

  public TenantSettingsCache(long ttlMillis, LongSupplier nanoClock) {
    this.ttlNanos = ttlMillis * 1_000_000L;
    this.nanoClock = nanoClock;
  }

  public Future<TenantSettings> get(UUID tenantId, Function<UUID, Future<TenantSettings>> loader) {
    Entry e = entries.get(tenantId);
    long now = nanoClock.getAsLong();
    if (e != null && now - e.loadedAtNanos < ttlNanos) {
      return Future.succeededFuture(e.settings);
    }
    return loader.apply(tenantId).onSuccess(this::put);
  }

  public void put(TenantSettings settings) {
    entries.put(settings.tenantId(), new Entry(settings, nanoClock.getAsLong()));
  }

  public void invalidate(UUID tenantId) {
    entries.remove(tenantId);
  }
}
