package org.loyaltyengine.ingest;

import org.loyaltyengine.fraud.FraudAction;
import org.loyaltyengine.fraud.FraudClient;
import org.loyaltyengine.fraud.FraudVerdict;
import org.loyaltyengine.ledger.Earning;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.rules.Award;
import org.loyaltyengine.rules.CapUsage;
import org.loyaltyengine.rules.CompiledRuleSet;
import org.loyaltyengine.rules.EarningContext;
import org.loyaltyengine.rules.Evaluation;
import org.loyaltyengine.rules.MemberFacts;
import org.loyaltyengine.rules.RuleVerdict;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tier.Tier;
import org.loyaltyengine.tier.TierSet;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides what a chunk of one tenant's inbox items does, in inbox order, as if each item had been sent to the
 * synchronous API right after the one before it: the same checks in the same order (unknown member, blocked
 * member, other currency, id already used), the same rules evaluation, and the same lots, caps and budgets.
 *
 * <p>What an earlier item of the chunk changed is carried to the later ones without a database round trip:
 * the cap and budget counters it grew, the tier it lifted its member to (so a later item already earns with
 * the new tier's multiplier and tier conditions), and the id it took (so the same id later in the chunk is a
 * duplicate or a conflict).
 *
 * <p>With the fraud checks' verdicts (when the tenant has checks), a rejected item fails with
 * {@code fraud_rejected} and writes nothing, as the API refuses it; a held item earns as planned but held for
 * review: its counters are grown (it keeps its place under the caps), its points do not lift its member's tier.
 */
public final class ChunkPlanner {
  private ChunkPlanner() {}

  public static ChunkPlan plan(List<InboxItem> items, ChunkFacts facts) {
    return plan(items, facts, Map.of());
  }

  /** @param verdicts the fraud checks' verdicts of the items they did not allow (absent: allowed) */
  public static ChunkPlan plan(List<InboxItem> items, ChunkFacts facts, Map<InboxItem.Key, FraudVerdict> verdicts) {
    Planning planning = new Planning(facts, verdicts);
    for (InboxItem item : items) {
      planning.take(item);
    }
    return planning.result();
  }

  private static final class Planning {
    private final ChunkFacts facts;
    private final Map<InboxItem.Key, FraudVerdict> verdicts;
    private final TenantSettings tenant;
    private final TierSet tiers;
    private final CompiledRuleSet rules;
    private final List<ChunkPlan.PlannedEarning> earnings = new ArrayList<>();
    private final List<ChunkPlan.SettledItem> settled = new ArrayList<>();
    /** member id → rule id → window key → points this chunk adds; sorted, which is the lock order. */
    private final TreeMap<Long, TreeMap<String, TreeMap<String, Long>>> grown = new TreeMap<>();
    private final Map<String, Long> caps = new HashMap<>();
    private final TreeMap<String, Long> budgetsGrown = new TreeMap<>();
    private final Map<String, Long> budgetLimits = new HashMap<>();
    private final Map<Long, String> tierNow = new HashMap<>();
    private final Map<Long, Long> qualifyingNow = new HashMap<>();
    private final Map<String, String> transactionsTaken = new HashMap<>();
    private final Map<String, String> eventsTaken = new HashMap<>();

    Planning(ChunkFacts facts, Map<InboxItem.Key, FraudVerdict> verdicts) {
      this.facts = facts;
      this.verdicts = verdicts;
      this.tenant = facts.tenant();
      this.tiers = facts.tiers();
      this.rules = facts.rules();
    }

    void take(InboxItem item) {
      MemberState member = facts.members().get(item.memberExternalId());
      if (member == null) {
        settled.add(ChunkPlan.SettledItem.failed(item.key(), "member_not_found",
            "no member with externalId \"" + item.memberExternalId() + "\"", "memberExternalId"));
        return;
      }
      if (!member.active()) {
        settled.add(ChunkPlan.SettledItem.failed(item.key(), "member_blocked",
            "member \"" + item.memberExternalId() + "\" is blocked and cannot earn points", "memberExternalId"));
        return;
      }
      if (item.kind() == ItemKind.TRANSACTION && !item.purchase().currency().equals(tenant.currency())) {
        settled.add(ChunkPlan.SettledItem.failed(item.key(), "currency_mismatch",
            "this program runs in " + tenant.currency(), "currency"));
        return;
      }
      Map<String, String> taken = item.kind() == ItemKind.TRANSACTION ? transactionsTaken : eventsTaken;
      String storedHash = taken.containsKey(item.itemId()) ? taken.get(item.itemId())
          : (item.kind() == ItemKind.TRANSACTION ? facts.transactionHashes() : facts.eventHashes()).get(item.itemId());
      if (storedHash != null) {
        settled.add(storedHash.equals(item.requestHash()) ? ChunkPlan.SettledItem.duplicate(item.key())
            : ChunkPlan.SettledItem.failed(item.key(), "idempotency_conflict",
                item.kind().idField() + " was already used for a different request", item.kind().idField()));
        return;
      }
      FraudVerdict verdict = verdicts.get(item.key());
      if (verdict != null && verdict.action() == FraudAction.REJECT) { // nothing written, the id stays free
        Rejection r = FraudClient.rejection(verdict, "earning");
        settled.add(ChunkPlan.SettledItem.failed(item.key(), r.code(), r.getMessage(), r.field()));
        return;
      }
      earn(item, member, verdict != null && verdict.action() == FraudAction.HOLD ? verdict : null);
      taken.put(item.itemId(), item.requestHash());
    }

    private void earn(InboxItem item, MemberState member, FraudVerdict held) {
      long memberId = member.memberId();
      String tierCode = tierNow.containsKey(memberId) ? tierNow.get(memberId) : member.tierCode();
      MemberFacts memberFacts = new MemberFacts(tierCode, tiers.multiplierPercent(tierCode), member.attributes());
      EarningContext context = new EarningContext(tenant.zone(), memberFacts, new Usage(memberId));
      Evaluation evaluation = item.kind() == ItemKind.TRANSACTION
          ? rules.evaluatePurchase(item.purchase(), context)
          : rules.evaluateEvent(item.event(), context);
      RuleVerdict verdict = new RuleVerdict(evaluation, rules.ruleSet());

      Instant at = item.occurredAt();
      Map<Instant, Long> byRelease = new TreeMap<>(); // awards that share a release time share a lot
      List<Earning.Usage> usage = new ArrayList<>();
      List<Earning.Budget> budgets = new ArrayList<>();
      for (Award a : evaluation.breakdown()) {
        byRelease.merge(tenant.availableAt(at, a.pendingDays()), a.points(), Math::addExact);
        for (String window : a.capWindows()) {
          grown.computeIfAbsent(memberId, k -> new TreeMap<>()).computeIfAbsent(a.ruleId(), k -> new TreeMap<>())
              .merge(window, a.points(), Math::addExact);
          long cap = verdict.capOf(a.ruleId(), window, at, tenant.zone());
          caps.put(a.ruleId() + "\n" + window, cap);
          usage.add(new Earning.Usage(a.ruleId(), window, a.points(), cap));
        }
        if (a.budgeted()) {
          budgetsGrown.merge(a.ruleId(), a.points(), Math::addExact);
          budgetLimits.put(a.ruleId(), verdict.budgetOf(a.ruleId()));
          budgets.add(new Earning.Budget(a.ruleId(), a.points(), verdict.budgetOf(a.ruleId())));
        }
      }
      List<Earning.Lot> lots = new ArrayList<>();
      byRelease.forEach((availableAt, points) -> lots.add(new Earning.Lot(points, availableAt)));
      earnings.add(new ChunkPlan.PlannedEarning(item, memberId, evaluation, lots,
          tenant.expiry().expiresAt(at, tenant.zone()),
          held == null ? null : new ChunkPlan.Hold(held.findings(), usage, budgets)));
      if (held == null) { // held points count toward tiers only once approved
        climbTiers(member, tierCode, evaluation.points());
      }
    }

    /** The upgrade the ledger makes after this earning (tiers only move up here), for the member's next items. */
    private void climbTiers(MemberState member, String tierCode, long points) {
      if (tiers.tiers().isEmpty()) {
        return;
      }
      long qualifying = Math.addExact(qualifyingNow.getOrDefault(member.memberId(), member.qualifyingPoints()), points);
      qualifyingNow.put(member.memberId(), qualifying);
      int current = 0;
      int target = 0;
      for (int i = 0; i < tiers.tiers().size(); i++) {
        Tier t = tiers.tiers().get(i);
        if (t.code().equals(tierCode)) {
          current = i + 1;
        }
        if (qualifying >= t.threshold()) {
          target = i + 1;
        }
      }
      if (target > current) {
        tierNow.put(member.memberId(), tiers.tiers().get(target - 1).code());
      }
    }

    ChunkPlan result() {
      List<ChunkPlan.CounterGrowth> usage = new ArrayList<>();
      grown.forEach((member, byRule) -> byRule.forEach((rule, byWindow) -> byWindow.forEach((window, points) ->
          usage.add(new ChunkPlan.CounterGrowth(member, rule, window, points, caps.get(rule + "\n" + window))))));
      List<Earning.Budget> budgets = new ArrayList<>();
      budgetsGrown.forEach((rule, points) -> budgets.add(new Earning.Budget(rule, points, budgetLimits.get(rule))));
      return new ChunkPlan(earnings, settled, usage, budgets);
    }

    /** The counters as read before the chunk plus what the chunk's earlier items added. */
    private final class Usage implements CapUsage {
      private final long memberId;

      Usage(long memberId) {
        this.memberId = memberId;
      }

      @Override
      public long memberPoints(String ruleId, String windowKey) {
        return points(facts.usage().get(memberId), ruleId, windowKey) + points(grown.get(memberId), ruleId, windowKey);
      }

      @Override
      public long budgetSpent(String ruleId) {
        return facts.budgetsSpent().getOrDefault(ruleId, 0L) + budgetsGrown.getOrDefault(ruleId, 0L);
      }

      private static long points(Map<String, ? extends Map<String, Long>> byRule, String ruleId, String windowKey) {
        Map<String, Long> byWindow = byRule == null ? null : byRule.get(ruleId);
        Long points = byWindow == null ? null : byWindow.get(windowKey);
        return points == null ? 0 : points;
      }
    }
  }
}
