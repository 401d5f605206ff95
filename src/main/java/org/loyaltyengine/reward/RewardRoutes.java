package org.loyaltyengine.reward;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.fraud.FraudClient;
import org.loyaltyengine.fraud.FraudContext;
import org.loyaltyengine.fraud.FraudContextJson;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.http.RequestHash;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.ledger.LedgerReplies;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.member.MemberRules;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import java.util.Optional;
import java.util.Set;

/** The reward catalog (admin), coupon-code pools, what a member can redeem, and redemptions (pos). */
public final class RewardRoutes {
  private static final Set<String> REDEMPTION_FIELDS = Set.of("redemptionId", "memberExternalId", "rewardId", "quantity",
      "deviceId", "ip"); // read by the fraud checks (FraudContextJson), not part of the fingerprint
  private static final int MAX_CODES_PER_CALL = 100_000;
  private static final int MAX_QUANTITY = 100;

  private final RewardRepository rewards;
  private final RedemptionRepository redemptions;
  private final MemberLookup members;
  private final FraudClient fraud;
  private final org.loyaltyengine.fulfillment.PartnerRepository partners;

  public RewardRoutes(RewardRepository rewards, RedemptionRepository redemptions, MemberLookup members,
                      FraudClient fraud,
                      org.loyaltyengine.fulfillment.PartnerRepository partners) {
    this.partners = partners;
    this.rewards = rewards;
    this.redemptions = redemptions;
    this.members = members;
    this.fraud = fraud;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.post("/v1/rewards").handler(auth.require(Scope.ADMIN)).handler(this::create);
    router.get("/v1/rewards").handler(auth.require(Scope.ADMIN, Scope.READ, Scope.POS)).handler(this::list);
    router.get("/v1/rewards/:rewardId").handler(auth.require(Scope.ADMIN, Scope.READ, Scope.POS)).handler(this::show);
    router.put("/v1/rewards/:rewardId").handler(auth.require(Scope.ADMIN)).handler(this::replace);
    router.delete("/v1/rewards/:rewardId").handler(auth.require(Scope.ADMIN)).handler(this::deactivate);
    router.post("/v1/rewards/:rewardId/codes").handler(auth.require(Scope.ADMIN)).handler(this::addCodes);
    router.get("/v1/members/:externalId/rewards").handler(auth.require(Scope.READ, Scope.POS)).handler(this::forMember);
    router.get("/v1/members/:externalId/redemptions").handler(auth.require(Scope.READ, Scope.POS))
        .handler(this::memberRedemptions);
    router.post("/v1/redemptions").handler(auth.require(Scope.POS)).handler(this::redeem);
    router.get("/v1/redemptions/:redemptionId").handler(auth.require(Scope.READ, Scope.POS)).handler(this::redemption);
  }

  private static Rejection notFound(String rewardId) {
    return Rejection.notFound("reward_not_found", "no reward \"" + rewardId + "\"");
  }

  private static Future<JsonObject> found(Optional<Reward> r, String rewardId) {
    return r.map(x -> Future.succeededFuture(RewardJson.toJson(x))).orElseGet(() -> Future.failedFuture(notFound(rewardId)));
  }

  private void create(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Reward reward = RewardJson.parse(JsonInput.of(ctx), null, true);
    Responses.reply(ctx, 201, partnerConfigured(caller.tenantId(), reward)
        .compose(ok -> rewards.create(caller.tenantId(), reward)).map(RewardJson::toJson));
  }

  /**
   * A gift-card or external reward must name a partner this tenant configured (PUT /v1/partners/{id}): otherwise
   * every redemption of it could only fail later. Another tenant's partner of the same id does not count.
   * Partners are never deleted, so a check before the write holds.
   */
  private Future<Void> partnerConfigured(java.util.UUID tenantId, Reward reward) {
    if (reward.partner() == null) {
      return Future.succeededFuture();
    }
    return partners.find(tenantId, reward.partner()).compose(p -> p.isPresent() ? Future.<Void>succeededFuture()
        : Future.failedFuture(new Rejection(Rejection.Kind.UNPROCESSABLE, "partner_not_configured", "partner \""
            + reward.partner() + "\" is not configured for this tenant; configure it with PUT /v1/partners/"
            + reward.partner() + " first", "partner")));
  }

  private void list(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Responses.reply(ctx, 200, rewards.list(caller.tenantId()).map(list ->
        Paging.all(new JsonArray(list.stream().map(RewardJson::toJson).toList()))));
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String rewardId = ctx.pathParam("rewardId");
    Responses.reply(ctx, 200, rewards.find(caller.tenantId(), rewardId).compose(r -> found(r, rewardId)));
  }

  private void replace(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String rewardId = ctx.pathParam("rewardId");
    Reward reward = RewardJson.parse(JsonInput.of(ctx), rewardId, true);
    Responses.reply(ctx, 200, partnerConfigured(caller.tenantId(), reward)
        .compose(ok -> auditBefore(ctx, caller, rewardId)).compose(v -> rewards.replace(caller.tenantId(), reward)).compose(r -> r.isPresent() ? found(r, rewardId)
        : rewards.find(caller.tenantId(), rewardId).compose(existing -> existing.isEmpty()
            ? Future.failedFuture(notFound(rewardId))
            : Future.failedFuture(Rejection.invalid("type", "a reward's type cannot change")))));
  }

  private void deactivate(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String rewardId = ctx.pathParam("rewardId");
    Responses.reply(ctx, 200, auditBefore(ctx, caller, rewardId)
        .compose(v -> rewards.deactivate(caller.tenantId(), rewardId)).compose(r -> found(r, rewardId)));
  }

  /** The reward as it is now, kept as the audit trail's "before" of a change. */
  private Future<Void> auditBefore(RoutingContext ctx, Caller caller, String rewardId) {
    return rewards.find(caller.tenantId(), rewardId)
        .map(r -> {
          r.ifPresent(x -> org.loyaltyengine.audit.AuditRoutes.before(ctx, RewardJson.toJson(x)));
          return null;
        });
  }

  private void addCodes(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String rewardId = ctx.pathParam("rewardId");
    JsonInput in = JsonInput.ofBulk(ctx).allowOnly(Set.of("codes"));
    var codes = in.requiredStringList("codes", 1, MAX_CODES_PER_CALL, 128);
    Responses.reply(ctx, 200, rewards.find(caller.tenantId(), rewardId).compose(r -> {
      if (r.isEmpty()) {
        return Future.failedFuture(notFound(rewardId));
      }
      if (r.get().type() != Reward.Type.COUPON_CODE) {
        return Future.failedFuture(Rejection.invalid("codes", "only coupon_code rewards take codes"));
      }
      return rewards.addCodes(caller.tenantId(), rewardId, codes);
    }));
  }

  private void forMember(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Responses.reply(ctx, 200, members.find(caller.tenantId(), ctx.pathParam("externalId")).compose(m ->
        rewards.forMember(caller.tenantId(), m.memberId(), m.tierCode(), m.canRedeem() ? m.available() : 0)
            .map(Paging::all)));
  }

  /** {@code GET /v1/members/{externalId}/redemptions?cursor=&limit=}: newest first, keyset paged. */
  private void memberRedemptions(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int limit = org.loyaltyengine.http.Paging.limit(ctx.queryParams().get("limit"));
    String cursor = ctx.queryParams().get("cursor");
    org.loyaltyengine.http.KeysetCursor.decode(cursor, 2); // a bad cursor is 400 before any lookup
    Responses.reply(ctx, 200, members.view(caller.tenantId(), ctx.pathParam("externalId"))
        .compose(m -> redemptions.forMember(caller.tenantId(), m.memberId(), cursor, limit)));
  }

  private void redeem(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    JsonInput in = JsonInput.of(ctx).allowOnly(REDEMPTION_FIELDS);
    String redemptionId = MemberRules.externalId("redemptionId", in.requiredString("redemptionId", 1, 64));
    String member = MemberRules.externalId("memberExternalId", in.requiredString("memberExternalId", 1, 64));
    String rewardId = MemberRules.externalId("rewardId", in.requiredString("rewardId", 1, 64));
    int quantity = (int) in.optionalLong("quantity", 1, MAX_QUANTITY).orElse(1L).longValue();
    String hash = RequestHash.of(new JsonObject().put("member", member).put("rewardId", rewardId).put("quantity", quantity));
    FraudContext context = FraudContextJson.parse(in, null);
    LedgerReplies.send(ctx, fraud.redeem(caller.tenantId(), redemptionId, hash, member, rewardId, quantity, context)
        .compose(r -> LedgerReplies.checkReplay(r.outcome(), hash, "redemptionId")
            // replays too: the first attempt's node may have died between its commit and its document (reads.md)
            // a redemption changes no transaction: the document keeps its history when it is current
            .compose(o -> members.refreshKeepingHistory(caller.tenantId(), r.memberExternalId()).map(o))));
  }

  private void redemption(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String id = ctx.pathParam("redemptionId");
    Responses.reply(ctx, 200, redemptions.find(caller.tenantId(), id).compose(r -> r
        .map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(Rejection.notFound("redemption_not_found", "no redemption \"" + id + "\"")))));
  }
}
