package org.loyaltyengine.fulfillment;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.member.MemberRules;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import java.util.Set;

/** {@code PUT/GET /v1/partners/{partnerId}} (admin): where and how a tenant's partner is called. */
public final class PartnerRoutes {
  private static final Set<String> FIELDS = Set.of("url", "apiKey", "maxConcurrency", "ratePerSecond", "batchSize",
      "timeoutMs", "maxAttempts");

  private final PartnerRepository partners;

  public PartnerRoutes(PartnerRepository partners) {
    this.partners = partners;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.put("/v1/partners/:partnerId").handler(auth.require(Scope.ADMIN)).handler(this::save);
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
    Responses.reply(ctx, 200, partners.save(caller.tenantId(), p).map(v -> json(p)));
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String partnerId = ctx.pathParam("partnerId");
    Responses.reply(ctx, 200, partners.find(caller.tenantId(), partnerId).compose(p -> p
        .map(x -> Future.succeededFuture(json(x)))
        .orElseGet(() -> Future.failedFuture(Rejection.notFound("partner_not_found", "no partner \"" + partnerId + "\"")))));
  }
}
