package org.loyaltyengine.reward;

import org.loyaltyengine.platform.Rejection;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * A catalog entry. {@code gift_card} and {@code external} rewards are fulfilled by a partner (asynchronously);
 * {@code coupon_code} rewards hand out codes from an uploaded pool, inside the redemption itself.
 *
 * @param stock  units left, null for unlimited (for coupon rewards: free codes in the pool)
 * @param limit  at most {@code count} units per member per period, or null
 * @param tiers  member tiers allowed to redeem, empty for everyone
 */
public record Reward(String rewardId, String name, Type type, long costPoints, Long stock, Limit limit,
                     Instant validFrom, Instant validTo, List<String> tiers, String partner, String partnerSku,
                     boolean active) {
  public static final long MAX_COST = 100_000_000L;
  public static final long MAX_STOCK = 1_000_000_000L;

  public enum Type {
    GIFT_CARD, COUPON_CODE, EXTERNAL;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Type parse(String value) {
      for (Type t : values()) {
        if (t.wireName().equals(value)) {
          return t;
        }
      }
      throw Rejection.invalid("type", "type must be gift_card, coupon_code or external");
    }
  }

  public record Limit(int count, String period) {
    public Limit {
      if (count < 1 || count > 1_000_000) {
        throw Rejection.invalid("perMemberLimit.count", "perMemberLimit.count must be between 1 and 1000000");
      }
      if (!List.of("day", "week", "month", "lifetime").contains(period)) {
        throw Rejection.invalid("perMemberLimit.period", "perMemberLimit.period must be day, week, month or lifetime");
      }
    }
  }

  public Reward {
    tiers = tiers == null ? List.of() : List.copyOf(tiers);
    if (validFrom != null && validTo != null && !validTo.isAfter(validFrom)) {
      throw Rejection.invalid("validTo", "validTo must be after validFrom");
    }
    if (type != Type.COUPON_CODE && partner == null) {
      throw Rejection.invalid("partner", type.wireName() + " rewards are fulfilled by a partner: name it");
    }
    if (type == Type.COUPON_CODE && partner != null) {
      throw Rejection.invalid("partner", "coupon_code rewards are fulfilled from their own code pool, not a partner");
    }
  }
}
