package org.loyaltyengine.rules;

import java.util.List;
import java.util.Objects;

/**
 * Points one rule awarded in one evaluation.
 *
 * @param pendingDays days the points stay pending before they can be spent; null = the tenant's default
 * @param capWindows  the window keys ({@link CapWindows}) whose per-member counters of this rule must grow by
 *                    {@code points}: one per cap the rule has, empty when it has none
 * @param budgeted    whether the rule's program-wide budget counter must grow by {@code points}
 */
public record Award(String ruleId, long points, Integer pendingDays, List<String> capWindows, boolean budgeted) {
  public Award {
    Objects.requireNonNull(ruleId, "ruleId");
    if (points <= 0) {
      throw new IllegalArgumentException("an award is positive: " + points);
    }
    capWindows = List.copyOf(capWindows);
  }

  /** An award of a rule without caps or budget. */
  public Award(String ruleId, long points, Integer pendingDays) {
    this(ruleId, points, pendingDays, List.of(), false);
  }
}
