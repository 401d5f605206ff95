package org.loyaltyengine.rules;

import java.util.Map;

/**
 * What the rules may know about the member.
 *
 * @param tierCode              the member's tier, or null when the member has none
 * @param tierMultiplierPercent the tier's earning multiplier: 100 = x1, 150 = x1.5; 0..{@link #TIER_PERCENT_MAX}
 * @param attributes            the member's profile attributes (city, segment, ...)
 */
public record MemberFacts(String tierCode, int tierMultiplierPercent, Map<String, String> attributes) {
  public static final int TIER_PERCENT_MAX = 1_000;

  public MemberFacts {
    if (tierMultiplierPercent < 0 || tierMultiplierPercent > TIER_PERCENT_MAX) {
      throw new IllegalArgumentException("tierMultiplierPercent must be 0-" + TIER_PERCENT_MAX);
    }
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /** A member without tier or attributes. */
  public static MemberFacts plain() {
    return new MemberFacts(null, 100, Map.of());
  }
}
