package org.loyaltyengine.reward;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.member.MemberRules;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** The wire form of a catalog entry. */
public final class RewardJson {
  static final Set<String> FIELDS = Set.of("rewardId", "name", "type", "costPoints", "stock", "perMemberLimit",
      "validFrom", "validTo", "tiers", "partner", "partnerSku");
  private static final Set<String> LIMIT_FIELDS = Set.of("count", "period");

  private RewardJson() {}

  /** {@code rewardIdFromPath} is set for PUT, where the path names the reward. */
  public static Reward parse(JsonInput in, String rewardIdFromPath, boolean active) {
    in.allowOnly(FIELDS);
    String rewardId = rewardIdFromPath != null ? rewardIdFromPath
        : MemberRules.externalId("rewardId", in.requiredString("rewardId", 1, 64));
    if (rewardIdFromPath != null && in.has("rewardId") && !rewardIdFromPath.equals(in.raw().getValue("rewardId"))) {
      throw org.loyaltyengine.platform.Rejection.invalid("rewardId", "rewardId in the body differs from the path");
    }
    Reward.Limit limit = in.optionalObject("perMemberLimit").map(l -> {
      l.allowOnly(LIMIT_FIELDS);
      return new Reward.Limit((int) l.requiredLong("count", 1, 1_000_000), l.requiredString("period", 1, 10));
    }).orElse(null);
    List<String> tiers = in.has("tiers") ? in.requiredStringList("tiers", 0, 20, 32) : List.of();
    Reward.Type type = Reward.Type.parse(in.requiredString("type", 1, 20));
    Long stock = in.optionalLong("stock", 0, Reward.MAX_STOCK).orElse(null);
    if (type == Reward.Type.COUPON_CODE && stock != null) {
      throw org.loyaltyengine.platform.Rejection.invalid("stock", "a coupon reward's stock is its uploaded code pool");
    }
    return new Reward(rewardId, in.requiredString("name", 1, 200), type,
        in.requiredLong("costPoints", 1, Reward.MAX_COST), stock, limit,
        in.optionalInstant("validFrom").orElse(null), in.optionalInstant("validTo").orElse(null), tiers,
        in.optionalString("partner", 1, 64).orElse(null), in.optionalString("partnerSku", 1, 64).orElse(null), active);
  }

  public static JsonObject toJson(Reward r) {
    return new JsonObject()
        .put("rewardId", r.rewardId()).put("name", r.name()).put("type", r.type().wireName())
        .put("costPoints", r.costPoints()).put("stock", r.stock())
        .put("perMemberLimit", r.limit() == null ? null
            : new JsonObject().put("count", r.limit().count()).put("period", r.limit().period()))
        .put("validFrom", iso(r.validFrom())).put("validTo", iso(r.validTo()))
        .put("tiers", new JsonArray(r.tiers())).put("partner", r.partner()).put("partnerSku", r.partnerSku())
        .put("active", r.active());
  }

  private static String iso(Instant t) {
    return org.loyaltyengine.platform.Timestamps.format(t);
  }
}
