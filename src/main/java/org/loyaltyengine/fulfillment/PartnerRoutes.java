package org.loyaltyengine.fulfillment;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.member.MemberRules;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.platform.TargetLookup;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import java.util.Set;

/**
 * {@code PUT/GET /v1/partners/{partnerId}} (admin): where and how a tenant's partner is called (its URL through
 * the SSRF guard, docs/security.md);
 * {@code GET /v1/partners} (admin) lists them by id, keyset paged.
 */
public final class PartnerRoutes {
  private static final Set<String> FIELDS = Set.of("url", "apiKey", "maxConcurrency", "ratePerSecond", "batchSize",
      "timeoutMs", "maxAttempts");

  private final PartnerRepository partners;
  private final TargetLookup targets;

  /** @param targets the SSRF guard: a URL that resolves to an address it refuses is 422 partner_target_forbidden */
  public PartnerRoutes(PartnerRepository partners, TargetLookup targets) {
    this.partners = partners;
    this.targets = targets;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.put("/v1/partners/:partnerId").handler(auth.require(Scope.ADMIN)).handler(this::save);
    router.get("/v1/partners").handler(auth.require(Scope.ADMIN)).handler(this::list);
    router.get("/v1/partners/:partnerId").handler(auth.require(Scope.ADMIN)).handler(this::show);
  }

  static JsonObject json(PartnerConfig p) {
    return new JsonObject().put("partnerId", p.partnerId()).put("url", p.url())
        .put("apiKey", p.apiKey() == null ? null : "***") // a secret: never shown back
        .put("maxConcurrency", p.maxConcurrency()).put("ratePerSecond", p.ratePerSecond())
        .put("batchSize", p.batchSize()).put("timeoutMs", p.timeoutMs()).put("maxAttempts", p.maxAttempts());
  }

  private void save(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String partnerId = MemberRules.externalId("partnerId", ctx.pathParam("partnerId"));
    JsonInput in = JsonInput.of(ctx).allowOnly(FIELDS);
    PartnerConfig p = new PartnerConfig(partnerId, in.requiredString("url", 8, 500),
        in.optionalString("apiKey", 1, 500).orElse(null),
        (int) in.optionalLong("maxConcurrency", 1, 256).orElse(8L).longValue(),
        (int) in.optionalLong("ratePerSecond", 1, 100_000).orElse(100L).longValue(),
        (int) in.optionalLong("batchSize", 1, 100).orElse(50L).longValue(),
        (int) in.optionalLong("timeoutMs", 100, 120_000).orElse(5_000L).longValue(),
        (int) in.optionalLong("maxAttempts", 1, 100).orElse(8L).longValue());
    Responses.reply(ctx, 200, targets.checkConfigured(p.url(), reason -> new Rejection(Rejection.Kind.UNPROCESSABLE,
            "partner_target_forbidden", "url: " + reason, "url"))
        .compose(v -> partners.find(caller.tenantId(), partnerId))
        .onSuccess(old -> old.ifPresent(o -> org.loyaltyengine.audit.AuditRoutes.before(ctx, json(o)))) // the audit trail's "before"
        .compose(old -> partners.save(caller.tenantId(), p)).map(v -> json(p)));
  }

  private void list(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int limit = org.loyaltyengine.http.Paging.limit(ctx.queryParams().get("limit"));
    java.util.List<String> after = org.loyaltyengine.http.KeysetCursor.decode(ctx.queryParams().get("cursor"), 1);
    Responses.reply(ctx, 200, partners.page(caller.tenantId(), after == null ? null : after.get(0), limit).map(page -> {
      io.vertx.core.json.JsonArray items = new io.vertx.core.json.JsonArray();
      page.stream().limit(limit).forEach(p -> items.add(json(p)));
      String next = page.size() > limit
          ? org.loyaltyengine.http.KeysetCursor.encode(page.get(limit - 1).partnerId()) : null;
      return new JsonObject().put("items", items).put("nextCursor", next);
    }));
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String partnerId = ctx.pathParam("partnerId");
    Responses.reply(ctx, 200, partners.find(caller.tenantId(), partnerId).compose(p -> p
        .map(x -> Future.succeededFuture(json(x)))
        .orElseGet(() -> Future.failedFuture(Rejection.notFound("partner_not_found", "no partner \"" + partnerId + "\"")))));
  }
}
