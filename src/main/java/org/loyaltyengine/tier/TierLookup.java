package org.loyaltyengine.tier;

import io.vertx.core.Future;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tenant.TenantSettingsRepository;

import java.util.UUID;

/** The tenant's active tier set, through the node caches (no database round trip when warm). */
public final class TierLookup {
  private final TenantSettingsCache settingsCache;
  private final TenantSettingsRepository settings;
  private final TierSetCache tierCache;
  private final TierRepository tiers;

  public TierLookup(TenantSettingsCache settingsCache, TenantSettingsRepository settings, TierSetCache tierCache,
                    TierRepository tiers) {
    this.settingsCache = settingsCache;
    this.settings = settings;
    this.tierCache = tierCache;
    this.tiers = tiers;
  }

  /**
   * A lookup with caches of its own, for a background verticle that has no node caches: tier sets read within
   * {@code tenantTtlMs} of a change may still be the old one, which only makes the read model rebuild a document.
   */
  public static TierLookup standalone(io.vertx.sqlclient.Pool pool, long tenantTtlMs) {
    return new TierLookup(new TenantSettingsCache(tenantTtlMs, System::nanoTime), new TenantSettingsRepository(pool),
        new TierSetCache(), new TierRepository(pool));
  }

  /** The active tier set with its version (0 when the tenant has none). */
  public record ActiveTiers(int version, TierSet set) {}

  public Future<ActiveTiers> activeVersioned(UUID tenantId) {
    return settingsCache.get(tenantId, settings::find).compose(s -> of(s).map(set -> new ActiveTiers(s.tiersVersion(), set)));
  }

  public Future<TierSet> active(UUID tenantId) {
    return settingsCache.get(tenantId, settings::find).compose(this::of);
  }

  public Future<TierSet> of(TenantSettings s) {
    return tierCache.get(s.tenantId(), s.tiersVersion(), () -> tiers.find(s.tenantId(), s.tiersVersion()));
  }
}
