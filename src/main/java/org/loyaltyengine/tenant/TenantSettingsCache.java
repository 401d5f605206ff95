package org.loyaltyengine.tenant;

import org.loyaltyengine.platform.RefreshingCache;

import io.vertx.core.Future;

import java.util.UUID;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Node-wide cache of tenant settings. A change made on this node is applied at once; other nodes drop the
 * entry when the change is published on {@link #CHANGED_ADDRESS}, and in any case re-read it after
 * {@code ttlMillis} (at most one second), which bounds how long a rule or policy change takes to reach every
 * node. Entries are re-read in the background from half the TTL on ({@link RefreshingCache}), so steady
 * traffic never waits for a reload; concurrent misses share one query.
 */
public final class TenantSettingsCache {
  /** Published with the tenant id whenever a tenant's rules, tiers or policies change. */
  public static final String CHANGED_ADDRESS = "loyalty.tenant.changed";
  private static final int MAX_TENANTS = 100_000;

  private final RefreshingCache<UUID, TenantSettings> entries;

  public TenantSettingsCache(long ttlMillis, LongSupplier nanoClock) {
    this.entries = new RefreshingCache<>(ttlMillis, MAX_TENANTS, nanoClock);
  }

  public Future<TenantSettings> get(UUID tenantId, Function<UUID, Future<TenantSettings>> loader) {
    return entries.get(tenantId, () -> loader.apply(tenantId));
  }

  public void put(TenantSettings settings) {
    entries.put(settings.tenantId(), settings);
  }

  public void invalidate(UUID tenantId) {
    entries.invalidate(tenantId);
  }
}
