package org.loyaltyengine.fraud;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tier.TierLookup;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * Fraud configuration and the review queue (admin). {@code PUT /v1/fraud/checks} uploads a new version of
 * the tenant's checks (active on every node within a second); {@code GET} shows the active one. Held writes
 * are listed under {@code /v1/fraud/holds} and decided with {@code approve} or {@code void}: idempotent
 * (the same decision again answers 200 with the hold unchanged), recorded on the hold (who, when, note) and
 * in the audit trail.
 */
public final class FraudRoutes {
  private static final Set<String> DECISION_FIELDS = Set.of("note");
  private static final Set<String> STATUSES = Set.of("held", "approved", "voided");

  private final FraudRepository repository;
  private final FraudPolicyCache policies;
  private final MemberLookup members;
  private final TierLookup tiers;
  private final EventBus eventBus;

  public FraudRoutes(FraudRepository repository, FraudPolicyCache policies, MemberLookup members, TierLookup tiers,
                     EventBus eventBus) {
    this.repository = repository;
    this.policies = policies;
    this.members = members;
    this.tiers = tiers;
    this.eventBus = eventBus;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.put("/v1/fraud/checks").handler(auth.require(Scope.ADMIN)).handler(this::replace);
    router.get("/v1/fraud/checks").handler(auth.require(Scope.ADMIN, Scope.READ)).handler(this::active);
    router.get("/v1/fraud/holds").handler(auth.require(Scope.ADMIN)).handler(this::list);
    router.get("/v1/fraud/holds/:holdId").handler(auth.require(Scope.ADMIN)).handler(this::show);
    router.post("/v1/fraud/holds/:holdId/approve").handler(auth.require(Scope.ADMIN)).handler(ctx -> decide(ctx, true));
    router.post("/v1/fraud/holds/:holdId/void").handler(auth.require(Scope.ADMIN)).handler(ctx -> decide(ctx, false));
  }

  private void replace(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    FraudPolicy policy = FraudPolicyJson.parse(JsonInput.of(ctx).raw());
    Responses.reply(ctx, 200, repository.save(caller.tenantId(), policy).map(version -> {
      policies.put(caller.tenantId(), new FraudRepository.Versioned(version, policy)); // this node at once
      eventBus.publish(TenantSettingsCache.CHANGED_ADDRESS, caller.tenantId().toString()); // the others
      return FraudPolicyJson.toJson(policy).put("version", version);
    }));
  }

  private void active(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Responses.reply(ctx, 200, repository.policy(caller.tenantId())
        .map(v -> FraudPolicyJson.toJson(v.policy()).put("version", v.version())));
  }

  private void list(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int limit = Paging.limit(ctx.queryParams().get("limit"));
    long after = decodeCursor(ctx.queryParams().get("cursor"));
    String status = ctx.queryParams().get("status");
    if (status == null || status.isEmpty()) {
      status = "held";
    } else if (status.equals("all")) {
      status = null;
    } else if (!STATUSES.contains(status)) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_query", "status must be held, approved, voided or all", "status");
    }
    Responses.reply(ctx, 200, repository.page(caller.tenantId(), status, after, limit + 1).map(items -> {
      String next = null;
      if (items.size() > limit) {
        items.remove(limit);
        next = encodeCursor(Long.parseLong(items.getJsonObject(limit - 1).getString("holdId")));
      }
      return new JsonObject().put("items", items).put("nextCursor", next);
    }));
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String raw = ctx.pathParam("holdId");
    long id = holdId(raw);
    Responses.reply(ctx, 200, repository.find(caller.tenantId(), id).compose(h -> h.map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(FraudRepository.holdNotFound(raw)))));
  }

  /** {@code {"note"?: string}}; an empty body is fine. */
  private void decide(RoutingContext ctx, boolean approve) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String note = null;
    if (ctx.body().length() > 0) { // the body is judged first: bad input is a 400 whatever the hold
      note = JsonInput.of(ctx).allowOnly(DECISION_FIELDS).optionalString("note", 1, 500).orElse(null);
    }
    long id = holdId(ctx.pathParam("holdId"));
    String n = note;
    // the tier ladder: an approved earning starts to count toward tiers, and may lift its member at once
    Responses.reply(ctx, 200, tiers.active(caller.tenantId())
        .compose(ladder -> repository.decide(caller.tenantId(), id, approve, caller.keyId(), n, ladder))
        .compose(d -> repository.find(caller.tenantId(), id).map(java.util.Optional::orElseThrow).compose(hold ->
            d.changed()
                // a voided purchase changes its history item: its history version tells the refresh to read it
                ? members.refreshKeepingHistory(caller.tenantId(), hold.getString("memberExternalId")).map(hold)
                : Future.succeededFuture(hold))));
  }

  private static long holdId(String raw) {
    if (raw != null && raw.matches("[0-9]{1,18}")) {
      return Long.parseLong(raw);
    }
    throw FraudRepository.holdNotFound(raw);
  }

  static String encodeCursor(long holdId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("h" + holdId).getBytes(StandardCharsets.US_ASCII));
  }

  static long decodeCursor(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return 0;
    }
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
      if (raw.startsWith("h")) {
        return Long.parseLong(raw.substring(1));
      }
    } catch (IllegalArgumentException ignored) {
      // falls through to the rejection
    }
    throw new Rejection(Rejection.Kind.INVALID, "invalid_cursor", "cursor is not one this API returned", "cursor");
  }
}
