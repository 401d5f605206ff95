package org.loyaltyengine.tenant;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Responses;

import java.util.Set;

/** {@code GET/PUT /v1/settings}: the tenant's pending period and expiry policy (admin). */
public final class SettingsRoutes {
  private static final Set<String> FIELDS = Set.of("pendingDays", "expiry");
  private static final Set<String> EXPIRY_FIELDS = Set.of("policy", "days");

  private final TenantSettingsRepository settings;
  private final TenantSettingsCache cache;
  private final EventBus eventBus;

  public SettingsRoutes(TenantSettingsRepository settings, TenantSettingsCache cache, EventBus eventBus) {
    this.settings = settings;
    this.cache = cache;
    this.eventBus = eventBus;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.get("/v1/settings").handler(auth.require(Scope.ADMIN)).handler(this::show);
    router.put("/v1/settings").handler(auth.require(Scope.ADMIN)).handler(this::replace);
  }

  public static JsonObject json(TenantSettings s) {
    return new JsonObject()
        .put("timezone", s.zone().getId())
        .put("currency", s.currency())
        .put("pendingDays", s.pendingDays())
        .put("expiry", new JsonObject().put("policy", s.expiry().kind().wireName()).put("days", s.expiry().days()))
        .put("rulesVersion", s.rulesVersion())
        .put("tiersVersion", s.tiersVersion());
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Responses.reply(ctx, 200, settings.find(caller.tenantId()).map(SettingsRoutes::json));
  }

  private void replace(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    JsonInput in = JsonInput.of(ctx).allowOnly(FIELDS);
    int pendingDays = (int) in.requiredLong("pendingDays", 0, TenantSettings.MAX_PENDING_DAYS);
    JsonInput expiry = in.requiredObject("expiry").allowOnly(EXPIRY_FIELDS);
    ExpiryPolicy policy = new ExpiryPolicy(
        ExpiryPolicy.Kind.parse("expiry.policy", expiry.requiredString("policy", 1, 20)),
        expiry.optionalLong("days", 0, ExpiryPolicy.MAX_DAYS).orElse(365L).intValue());
    Responses.reply(ctx, 200, settings.find(caller.tenantId())
        .onSuccess(old -> org.loyaltyengine.audit.AuditRoutes.before(ctx, json(old))) // the audit trail's "before"
        .compose(old -> settings.updatePolicies(caller.tenantId(), pendingDays, policy)).map(updated -> {
      cache.put(updated);
      eventBus.publish(TenantSettingsCache.CHANGED_ADDRESS, updated.tenantId().toString());
      return json(updated);
    }));
  }
}
