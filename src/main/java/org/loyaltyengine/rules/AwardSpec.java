package org.loyaltyengine.rules;

import java.util.Objects;

/** What a rule awards when it applies. */
public sealed interface AwardSpec {
  /** Whether the award is multiplied by the member's tier multiplier (percent / 100, rounded down). */
  boolean applyTierMultiplier();

  /** {@code points} for every {@code perAmount} minor units of spend, rounded as {@code rounding} says. */
  record PerSpend(long points, long perAmount, Rounding rounding, Spend spend, boolean applyTierMultiplier)
      implements AwardSpec {
    public PerSpend {
      Objects.requireNonNull(rounding, "rounding");
      Objects.requireNonNull(spend, "spend");
      if (points < 1 || points > RuleLimits.POINTS_MAX || perAmount < 1 || perAmount > RuleLimits.PER_AMOUNT_MAX) {
        throw new IllegalArgumentException("points or perAmount out of range");
      }
    }

    /**
     * points × spend / perAmount, rounded. Cannot overflow: points ≤ 10^6 and spend ≤ 10^12
     * ({@link Purchase#MAX_AMOUNT}).
     */
    public long pointsFor(long spend) {
      long product = Math.multiplyExact(points, spend);
      return switch (rounding) {
        case DOWN -> product / perAmount;
        case UP -> (product + perAmount - 1) / perAmount;
        case NEAREST -> (product + perAmount / 2) / perAmount;
      };
    }
  }

  /** A fixed number of points. */
  record Fixed(long points, boolean applyTierMultiplier) implements AwardSpec {
    public Fixed {
      if (points < 1 || points > RuleLimits.POINTS_MAX) {
        throw new IllegalArgumentException("points out of range");
      }
    }
  }

  /**
   * Adds {@code percent - 100} percent of the points earlier rules awarded in this evaluation (200 doubles
   * them), rounded down.
   */
  record Multiplier(int percent, boolean applyTierMultiplier) implements AwardSpec {
    public Multiplier {
      if (percent <= 100 || percent > RuleLimits.MULTIPLIER_PERCENT_MAX) {
        throw new IllegalArgumentException("percent out of range");
      }
    }
  }

  enum Rounding {
    DOWN("down"), UP("up"), /** half up */ NEAREST("nearest");

    private final String wireName;

    Rounding(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    /** The rounding of that wire name, or null. */
    public static Rounding fromWire(String name) {
      for (Rounding r : values()) {
        if (r.wireName.equals(name)) {
          return r;
        }
      }
      return null;
    }
  }

  enum Spend {
    /** The purchase's total. */
    BASKET("basket"),
    /** The sum of the amounts of the lines that pass the rule's item filters (all lines when it has none). */
    MATCHING_ITEMS("matching_items");

    private final String wireName;

    Spend(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    /** The spend of that wire name, or null. */
    public static Spend fromWire(String name) {
      for (Spend s : values()) {
        if (s.wireName.equals(name)) {
          return s;
        }
      }
      return null;
    }
  }
}
