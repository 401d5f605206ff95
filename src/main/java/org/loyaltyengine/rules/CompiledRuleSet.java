package org.loyaltyengine.rules;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A rule set compiled once, evaluated many times: rules sorted into evaluation order (priority descending,
 * then id), filters turned into hash sets and bit masks, event rules grouped by event type. Immutable and
 * safe to share between threads.
 *
 * <p>An evaluation walks the rules in order. A rule whose conditions hold computes its award (per spend,
 * fixed or multiplier), multiplies it by the member's tier multiplier when asked, then clamps it to its
 * per-member caps and its budget. A rule awarding 0 after that is as if it had not applied. An exclusive rule
 * is skipped when something was already awarded; when it awards, evaluation stops, as it does after a
 * {@code stopAfter} rule that awards.
 */
public final class CompiledRuleSet {
  private static final Comparator<Rule> EVALUATION_ORDER =
      Comparator.comparingInt(Rule::priority).reversed().thenComparing(Rule::id);

  private final RuleSet ruleSet;
  private final CompiledRule[] purchaseRules;
  private final Map<String, CompiledRule[]> eventRulesByType;
  private final ItemIndex itemIndex;
  private final boolean purchaseNeedsLocalTime;
  private final Set<String> cappedRuleIds;
  private final Set<String> budgetedRuleIds;

  private CompiledRuleSet(RuleSet ruleSet) {
    this.ruleSet = ruleSet;
    List<Rule> ordered = new ArrayList<>(ruleSet.rules());
    ordered.sort(EVALUATION_ORDER);

    List<CompiledRule> purchase = new ArrayList<>();
    List<Conditions> itemFilters = new ArrayList<>();
    Map<String, List<CompiledRule>> byType = new HashMap<>();
    Set<String> capped = new LinkedHashSet<>();
    Set<String> budgeted = new LinkedHashSet<>();
    for (Rule rule : ordered) {
      if (rule.trigger() == Rule.Trigger.PURCHASE) {
        int slot = CompiledRule.NONE;
        if (rule.conditions().hasItemFilters()) {
          slot = itemFilters.size();
          itemFilters.add(rule.conditions());
        }
        purchase.add(new CompiledRule(rule, slot));
      } else {
        byType.computeIfAbsent(rule.conditions().eventType(), t -> new ArrayList<>())
            .add(new CompiledRule(rule, CompiledRule.NONE));
      }
      if (!rule.caps().isEmpty()) {
        capped.add(rule.id());
      }
      if (rule.budget() != null) {
        budgeted.add(rule.id());
      }
    }
    this.purchaseRules = purchase.toArray(new CompiledRule[0]);
    Map<String, CompiledRule[]> events = new HashMap<>();
    byType.forEach((type, rules) -> events.put(type, rules.toArray(new CompiledRule[0])));
    this.eventRulesByType = events;
    this.itemIndex = itemFilters.isEmpty() ? ItemIndex.EMPTY : new ItemIndex(itemFilters);
    this.purchaseNeedsLocalTime = purchase.stream().anyMatch(CompiledRule::needsLocalTime);
    this.cappedRuleIds = Collections.unmodifiableSet(capped);
    this.budgetedRuleIds = Collections.unmodifiableSet(budgeted);
  }

  public static CompiledRuleSet compile(RuleSet ruleSet) {
    return new CompiledRuleSet(ruleSet);
  }

  public RuleSet ruleSet() {
    return ruleSet;
  }

  /** Whether any rule has per-member caps: then persistence must supply their window counters. */
  public boolean hasCaps() {
    return !cappedRuleIds.isEmpty();
  }

  /** Whether any rule has a program-wide budget: then persistence must supply the budget counters. */
  public boolean hasBudgets() {
    return !budgetedRuleIds.isEmpty();
  }

  /** Ids of the rules with per-member caps, in evaluation order. */
  public Set<String> cappedRuleIds() {
    return cappedRuleIds;
  }

  /** Ids of the rules with a program-wide budget, in evaluation order. */
  public Set<String> budgetedRuleIds() {
    return budgetedRuleIds;
  }

  public Evaluation evaluatePurchase(Purchase purchase, EarningContext context) {
    if (purchaseRules.length == 0) {
      return Evaluation.NOTHING;
    }
    Instant at = purchase.occurredAt();
    int localMinute = 0;
    int localWeekday = 0;
    if (purchaseNeedsLocalTime) {
      long localSeconds = localEpochSeconds(at, context.tenantZone());
      localMinute = (int) (Math.floorMod(localSeconds, 86_400L) / 60);
      localWeekday = weekday(localSeconds);
    }
    long[] itemSpend = null;
    long[] itemMatched = null;
    if (itemIndex.slots() > 0) {
      itemSpend = new long[itemIndex.slots()];
      itemMatched = itemIndex.newMask();
      itemIndex.scan(purchase.items(), itemSpend, itemMatched);
    }
    long allLines = 0;
    for (LineItem item : purchase.items()) {
      allLines += item.amount();
    }

    Run run = new Run(at, context);
    for (CompiledRule rule : purchaseRules) {
      if (rule.exclusive && run.total > 0) {
        continue;
      }
      if (!rule.matchesPurchase(purchase)
          || !rule.matchesMemberAndTime(context.member(), at, localMinute, localWeekday)) {
        continue;
      }
      long spend;
      if (rule.itemSlot == CompiledRule.NONE) {
        spend = rule.spendMatchingItems ? allLines : purchase.total();
      } else if (ItemIndex.has(itemMatched, rule.itemSlot)) {
        spend = rule.spendMatchingItems ? itemSpend[rule.itemSlot] : purchase.total();
      } else {
        continue; // item filters but no matching line
      }
      if (run.apply(rule, spend)) {
        break;
      }
    }
    return run.result();
  }

  public Evaluation evaluateEvent(CustomEvent event, EarningContext context) {
    CompiledRule[] rules = eventRulesByType.get(event.type());
    if (rules == null) {
      return Evaluation.NOTHING;
    }
    Instant at = event.occurredAt();
    long localSeconds = localEpochSeconds(at, context.tenantZone());
    int localMinute = (int) (Math.floorMod(localSeconds, 86_400L) / 60);
    int localWeekday = weekday(localSeconds);
    Run run = new Run(at, context);
    for (CompiledRule rule : rules) {
      if (rule.exclusive && run.total > 0) {
        continue;
      }
      if (!rule.matchesEventAttributes(event)
          || !rule.matchesMemberAndTime(context.member(), at, localMinute, localWeekday)) {
        continue;
      }
      if (run.apply(rule, 0)) {
        break;
      }
    }
    return run.result();
  }

  /** Seconds since 1970-01-01T00:00 local time: the offset in force at that instant, so right across DST. */
  private static long localEpochSeconds(Instant at, ZoneId zone) {
    return at.getEpochSecond() + zone.getRules().getOffset(at).getTotalSeconds();
  }

  /** 0 = Monday ... 6 = Sunday; 1970-01-01 was a Thursday. */
  private static int weekday(long localEpochSeconds) {
    return (int) Math.floorMod(Math.floorDiv(localEpochSeconds, 86_400L) + 3, 7L);
  }

  /** The running state of one evaluation. */
  private static final class Run {
    private final Instant at;
    private final EarningContext context;
    private CapWindows.Keys windows;
    private List<Award> awards;
    long total;

    Run(Instant at, EarningContext context) {
      this.at = at;
      this.context = context;
    }

    /** Awards what {@code rule} earns on {@code spend}; true when evaluation must stop. */
    boolean apply(CompiledRule rule, long spend) {
      long points = Math.min(rule.basePoints(spend, total), RuleLimits.AWARD_MAX);
      if (rule.applyTierMultiplier) {
        // At most 10^12 × 1,000: no overflow.
        points = Math.min(points * context.member().tierMultiplierPercent() / 100, RuleLimits.AWARD_MAX);
      }
      points = clampToLimits(rule, points);
      if (points <= 0) {
        return false;
      }
      total = Math.addExact(total, points);
      if (awards == null) {
        awards = new ArrayList<>(4);
      }
      awards.add(new Award(rule.id, points, rule.pendingDays,
          rule.capped ? rule.rule.caps().windowKeys(windows) : List.of(), rule.budget > 0));
      return rule.exclusive || rule.stopAfter;
    }

    private long clampToLimits(CompiledRule rule, long points) {
      if (points <= 0) {
        return 0;
      }
      if (rule.capped) {
        if (windows == null) {
          windows = CapWindows.keys(at, context.tenantZone());
        }
        CapUsage usage = context.usage();
        points = clamp(points, rule.capDay, usage, rule.id, windows.day());
        points = clamp(points, rule.capWeek, usage, rule.id, windows.week());
        points = clamp(points, rule.capMonth, usage, rule.id, windows.month());
        points = clamp(points, rule.capLifetime, usage, rule.id, windows.lifetime());
      }
      if (rule.budget > 0) {
        points = Math.min(points, Math.max(0, rule.budget - context.usage().budgetSpent(rule.id)));
      }
      return points;
    }

    private static long clamp(long points, long cap, CapUsage usage, String ruleId, String window) {
      return cap == 0 ? points : Math.min(points, Math.max(0, cap - usage.memberPoints(ruleId, window)));
    }

    Evaluation result() {
      return awards == null ? Evaluation.NOTHING : new Evaluation(total, awards);
    }
  }
}
