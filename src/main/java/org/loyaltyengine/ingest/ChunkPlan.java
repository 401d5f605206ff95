package org.loyaltyengine.ingest;

import org.loyaltyengine.fraud.Finding;
import org.loyaltyengine.ledger.Earning;
import org.loyaltyengine.rules.Evaluation;

import java.time.Instant;
import java.util.List;

/**
 * What applying a chunk writes, decided before the write: the earnings in inbox order, the items settled
 * without one, and the cap and budget counters to grow (summed over the chunk, one entry per counter, in
 * lock order).
 */
public record ChunkPlan(List<PlannedEarning> earnings, List<SettledItem> settled, List<CounterGrowth> usage,
                        List<Earning.Budget> budgets) {

  public ChunkPlan {
    earnings = List.copyOf(earnings);
    settled = List.copyOf(settled);
    usage = List.copyOf(usage);
    budgets = List.copyOf(budgets);
  }

  /**
   * One item that earns (possibly 0 points: it is still recorded, like a purchase no rule rewards).
   *
   * @param lots      the awards grouped by the time they become available, earliest first
   * @param expiresAt when the points expire under the tenant's policy, or null
   * @param hold      when the fraud checks hold it for review: why, and the counters it grows; else null
   */
  public record PlannedEarning(InboxItem item, long memberId, Evaluation evaluation, List<Earning.Lot> lots,
                               Instant expiresAt, Hold hold) {
    public PlannedEarning {
      lots = List.copyOf(lots);
    }

    public long points() {
      return lots.stream().mapToLong(Earning.Lot::points).sum();
    }
  }

  /**
   * An earning written held for review (docs/fraud.md): its lots wait with no release time until an
   * administrator decides, and the cap and budget counters it grows are recorded, for a void to give back.
   */
  public record Hold(List<Finding> findings, List<Earning.Usage> usage, List<Earning.Budget> budgets) {
    public Hold {
      findings = List.copyOf(findings);
      usage = List.copyOf(usage);
      budgets = List.copyOf(budgets);
    }
  }

  /** An item settled without earning: a duplicate, or failed with an error like the synchronous API's. */
  public record SettledItem(InboxItem.Key item, ItemStatus status, String code, String message, String field) {
    public static SettledItem duplicate(InboxItem.Key item) {
      return new SettledItem(item, ItemStatus.DUPLICATE, null, null, null);
    }

    public static SettledItem failed(InboxItem.Key item, String code, String message, String field) {
      return new SettledItem(item, ItemStatus.FAILED, code, message, field);
    }
  }

  /** A member's cap counter of one rule in one window, to grow by {@code points}, never above {@code cap}. */
  public record CounterGrowth(long memberId, String ruleId, String windowKey, long points, long cap) {}
}
