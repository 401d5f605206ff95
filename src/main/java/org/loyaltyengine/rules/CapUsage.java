package org.loyaltyengine.rules;

import java.util.Map;

/**
 * Points already awarded against capped rules, as read by persistence before an evaluation.
 *
 * <p>Window keys are those of {@link CapWindows#keys} for the fact's {@code occurredAt}: persistence reads the
 * counters of (member, rule, window key) for every rule in {@link CompiledRuleSet#cappedRuleIds()} and the
 * program-wide counter of every rule in {@link CompiledRuleSet#budgetedRuleIds()}. A missing counter is 0.
 */
public interface CapUsage {
  /** Points this member already received from {@code ruleId} in the window {@code windowKey}. */
  long memberPoints(String ruleId, String windowKey);

  /** Points already spent, by all members, from {@code ruleId}'s program-wide budget. */
  long budgetSpent(String ruleId);

  /** Nothing awarded yet: for rule sets without caps or budgets, and for tests. */
  static CapUsage none() {
    return Counters.NONE;
  }

  /**
   * Usage from plain maps.
   *
   * @param memberPoints ruleId → (window key → points this member received)
   * @param budgetSpent  ruleId → points spent from the program-wide budget
   */
  static CapUsage of(Map<String, Map<String, Long>> memberPoints, Map<String, Long> budgetSpent) {
    return new Counters(Map.copyOf(memberPoints), Map.copyOf(budgetSpent));
  }

  /** Map-backed usage; lookups do not allocate. */
  record Counters(Map<String, Map<String, Long>> memberPointsByRule, Map<String, Long> budgetSpentByRule)
      implements CapUsage {
    static final Counters NONE = new Counters(Map.of(), Map.of());

    @Override
    public long memberPoints(String ruleId, String windowKey) {
      Map<String, Long> windows = memberPointsByRule.get(ruleId);
      Long points = windows == null ? null : windows.get(windowKey);
      return points == null ? 0 : points;
    }

    @Override
    public long budgetSpent(String ruleId) {
      Long points = budgetSpentByRule.get(ruleId);
      return points == null ? 0 : points;
    }
  }
}
