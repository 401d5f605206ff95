package org.loyaltyengine.retention;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import java.util.Set;

/** {@code GET/PUT /v1/settings/retention} (admin): how long the tenant keeps non-ledger data. */
public final class RetentionRoutes {
  private static final Set<String> FIELDS = Set.of("rawEventsDays", "outboxDays", "webhookDeliveriesDays", "auditDays");

  private final RetentionRepository retention;

  public RetentionRoutes(RetentionRepository retention) {
    this.retention = retention;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.get("/v1/settings/retention").handler(auth.require(Scope.ADMIN)).handler(this::show);
    router.put("/v1/settings/retention").handler(auth.require(Scope.ADMIN)).handler(this::replace);
  }

  static JsonObject json(RetentionPolicy p) {
    return new JsonObject()
        .put("rawEventsDays", p.rawEventsDays())
        .put("outboxDays", p.outboxDays())
        .put("webhookDeliveriesDays", p.webhookDeliveriesDays())
        .put("auditDays", p.auditDays())
        .put("ledger", "kept forever");
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Responses.reply(ctx, 200, retention.find(caller.tenantId()).map(RetentionRoutes::json));
  }

  private void replace(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    JsonInput in = JsonInput.of(ctx).allowOnly(FIELDS);
    RetentionPolicy p = new RetentionPolicy(
        (int) in.requiredLong("rawEventsDays", RetentionPolicy.MIN_RAW_EVENTS_DAYS, RetentionPolicy.MAX_DAYS),
        (int) in.requiredLong("outboxDays", 1, RetentionPolicy.MAX_DAYS),
        (int) in.requiredLong("webhookDeliveriesDays", 1, RetentionPolicy.MAX_DAYS),
        (int) in.requiredLong("auditDays", 1, RetentionPolicy.MAX_DAYS));
    Responses.reply(ctx, 200, retention.find(caller.tenantId())
        .onSuccess(old -> org.loyaltyengine.audit.AuditRoutes.before(ctx, json(old))) // the audit trail's "before"
        .compose(old -> retention.save(caller.tenantId(), p)).map(RetentionRoutes::json));
  }
}
