package org.loyaltyengine.tier;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.platform.Rejection;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The wire form of a tier set:
 * {@code {"qualification": {"basis": "rolling_days", "days": 365}, "tiers": [{"code", "name", "threshold",
 * "multiplierPercent"}]}}; {@code "basis": "lifetime"} counts lifetime earned points.
 */
public final class TierSetJson {
  private static final Set<String> FIELDS = Set.of("qualification", "tiers");
  private static final Set<String> QUALIFICATION_FIELDS = Set.of("basis", "days");
  private static final Set<String> TIER_FIELDS = Set.of("code", "name", "threshold", "multiplierPercent");

  private TierSetJson() {}

  public static TierSet parse(JsonInput in) {
    in.allowOnly(FIELDS);
    JsonInput q = in.requiredObject("qualification").allowOnly(QUALIFICATION_FIELDS);
    String basis = q.requiredString("basis", 1, 20);
    Integer days = switch (basis) {
      case "rolling_days" -> (int) q.requiredLong("days", 1, TierSet.MAX_WINDOW_DAYS);
      case "lifetime" -> {
        if (q.has("days")) {
          throw Rejection.invalid("qualification.days", "qualification.days applies only to rolling_days");
        }
        yield null;
      }
      default -> throw Rejection.invalid("qualification.basis", "qualification.basis must be rolling_days or lifetime");
    };
    List<Tier> tiers = new ArrayList<>();
    for (JsonInput t : in.requiredObjectList("tiers", 0, TierSet.MAX_TIERS)) {
      t.allowOnly(TIER_FIELDS);
      tiers.add(new Tier(t.requiredString("code", 1, 32), t.optionalString("name", 1, 100).orElse(null),
          t.requiredLong("threshold", 0, TierSet.MAX_THRESHOLD),
          t.optionalLong("multiplierPercent", 0, TierSet.MAX_MULTIPLIER_PERCENT).orElse(100L).intValue()));
    }
    return new TierSet(days, tiers);
  }

  public static JsonObject toJson(TierSet set) {
    JsonObject qualification = set.windowDays() == null
        ? new JsonObject().put("basis", "lifetime")
        : new JsonObject().put("basis", "rolling_days").put("days", set.windowDays());
    JsonArray tiers = new JsonArray();
    for (Tier t : set.tiers()) {
      tiers.add(new JsonObject().put("code", t.code()).put("name", t.name()).put("threshold", t.threshold())
          .put("multiplierPercent", t.multiplierPercent()));
    }
    return new JsonObject().put("qualification", qualification).put("tiers", tiers);
  }
}
