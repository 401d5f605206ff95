package org.loyaltyengine.tier;

import io.vertx.core.eventbus.EventBus;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tenant.TenantSettingsRepository;

import java.util.function.Function;

/** {@code PUT/GET /v1/tiers} (admin). */
public final class TierRoutes {
  private final TierRepository tiers;
  private final TierSetCache tierCache;
  private final TenantSettingsRepository settings;
  private final TenantSettingsCache settingsCache;
  private final EventBus eventBus;
  private final java.util.function.Supplier<io.vertx.core.Future<Void>> tiersChanged;

  /** @param tiersChanged told after a new tier set is active (the read model renders tiers into its documents) */
  public TierRoutes(TierRepository tiers, TierSetCache tierCache, TenantSettingsRepository settings,
                    TenantSettingsCache settingsCache, EventBus eventBus,
                    java.util.function.Supplier<io.vertx.core.Future<Void>> tiersChanged) {
    this.tiers = tiers;
    this.tierCache = tierCache;
    this.settings = settings;
    this.settingsCache = settingsCache;
    this.eventBus = eventBus;
    this.tiersChanged = tiersChanged;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.put("/v1/tiers").handler(auth.require(Scope.ADMIN)).handler(this::replace);
    router.get("/v1/tiers").handler(auth.require(Scope.ADMIN, Scope.READ, Scope.POS)).handler(this::show);
  }

  private void replace(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    TierSet set = TierSetJson.parse(JsonInput.of(ctx));
    Responses.reply(ctx, 200, settings.find(caller.tenantId()) // the active set is the audit trail's "before"
        .compose(s -> tiers.find(caller.tenantId(), s.tiersVersion())
            .onSuccess(old -> org.loyaltyengine.audit.AuditRoutes.before(ctx, TierSetJson.toJson(old).put("version", s.tiersVersion()))))
        .compose(old -> tiers.save(caller.tenantId(), set))
        .compose(version -> settings.find(caller.tenantId()))
        .compose(updated -> {
          settingsCache.put(updated);
          eventBus.publish(TenantSettingsCache.CHANGED_ADDRESS, updated.tenantId().toString());
          return tiersChanged.get().map(TierSetJson.toJson(set).put("version", updated.tiersVersion()));
        }));
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Function<TenantSettings, io.vertx.core.Future<io.vertx.core.json.JsonObject>> render = s ->
        tierCache.get(caller.tenantId(), s.tiersVersion(), () -> tiers.find(caller.tenantId(), s.tiersVersion()))
            .map(set -> TierSetJson.toJson(set).put("version", s.tiersVersion()));
    Responses.reply(ctx, 200, settings.find(caller.tenantId()).compose(render));
  }
}
