package org.loyaltyengine.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Earnings of one tenant applied together by {@code loyalty_apply_earnings} (R__earning.sql), in order, with
 * the cap and budget counters they grow summed over the batch, one entry per counter in lock order (member,
 * rule, window; budgets by rule). Summing is what lets earnings planned on the same counter reading share a
 * batch: if together they pass a cap, the batch fails with {@code LY002} and each is planned again alone.
 */
public record EarningBatch(UUID tenantId, List<Earning> earnings, List<Counter> counters, List<Earning.Budget> budgets,
                           List<String> tierCodes, List<Long> tierThresholds, Integer tierWindowDays) {

  /** A member's cap counter of one rule in one window, to grow by {@code points}, never above {@code cap}. */
  public record Counter(long memberId, String ruleId, String windowKey, long points, long cap) {}

  public EarningBatch {
    earnings = List.copyOf(earnings);
    counters = List.copyOf(counters);
    budgets = List.copyOf(budgets);
    tierCodes = List.copyOf(tierCodes);
    tierThresholds = List.copyOf(tierThresholds);
  }

  /** Whether {@code b} may share a batch with {@code a}: same tenant and same tier ladder to climb. */
  public static boolean compatible(Earning a, Earning b) {
    return a.tenantId().equals(b.tenantId()) && a.tierCodes().equals(b.tierCodes())
        && a.tierThresholds().equals(b.tierThresholds()) && Objects.equals(a.tierWindowDays(), b.tierWindowDays());
  }

  /** The batch of {@code earnings}, all {@link #compatible} with the first. */
  public static EarningBatch of(List<Earning> earnings) {
    if (earnings.isEmpty()) {
      throw new IllegalArgumentException("an empty batch");
    }
    Earning first = earnings.get(0);
    // member -> rule -> window -> [points, cap]; sorted maps give the lock order
    TreeMap<Long, TreeMap<String, TreeMap<String, long[]>>> grown = new TreeMap<>();
    TreeMap<String, long[]> budgets = new TreeMap<>();
    for (Earning e : earnings) {
      if (!compatible(first, e)) {
        throw new IllegalArgumentException("earnings of different tenants or tier ladders in one batch");
      }
      for (Earning.Usage u : e.usage()) {
        long[] c = grown.computeIfAbsent(e.memberId(), k -> new TreeMap<>())
            .computeIfAbsent(u.ruleId(), k -> new TreeMap<>())
            .computeIfAbsent(u.windowKey(), k -> new long[] {0, Long.MAX_VALUE});
        c[0] = Math.addExact(c[0], u.points());
        c[1] = Math.min(c[1], u.cap()); // a rule changed between two plans: the stricter cap holds
      }
      for (Earning.Budget b : e.budgets()) {
        long[] c = budgets.computeIfAbsent(b.ruleId(), k -> new long[] {0, Long.MAX_VALUE});
        c[0] = Math.addExact(c[0], b.points());
        c[1] = Math.min(c[1], b.limit());
      }
    }
    List<Counter> counters = new ArrayList<>();
    grown.forEach((member, byRule) -> byRule.forEach((rule, byWindow) -> byWindow.forEach((window, c) ->
        counters.add(new Counter(member, rule, window, c[0], c[1])))));
    List<Earning.Budget> budgetList = new ArrayList<>();
    for (Map.Entry<String, long[]> b : budgets.entrySet()) {
      budgetList.add(new Earning.Budget(b.getKey(), b.getValue()[0], b.getValue()[1]));
    }
    return new EarningBatch(first.tenantId(), earnings, counters, budgetList, first.tierCodes(),
        first.tierThresholds(), first.tierWindowDays());
  }
}
