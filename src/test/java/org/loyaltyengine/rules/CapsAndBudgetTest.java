package org.loyaltyengine.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.rules.Facts.NOON;
import static org.loyaltyengine.rules.Facts.UTC;
import static org.loyaltyengine.rules.Facts.WARSAW;
import static org.loyaltyengine.rules.Facts.purchase;
import static org.loyaltyengine.rules.Facts.withUsage;
import static org.loyaltyengine.rules.RuleBuilder.compile;
import static org.loyaltyengine.rules.RuleBuilder.purchaseRule;

@DisplayName("Per-member caps and program-wide budgets")
class CapsAndBudgetTest {
  /** NOON (Wednesday 2026-03-04) falls in these windows, in UTC. */
  private static final String DAY = "day:2026-03-04";
  private static final String WEEK = "week:2026-W10";
  private static final String MONTH = "month:2026-03";

  private static Evaluation earn(CompiledRuleSet rules, Instant at, ZoneId zone, String window, long used) {
    CapUsage usage = CapUsage.of(Map.of("base", Map.of(window, used)), Map.of());
    return rules.evaluatePurchase(purchase(at, 5000), withUsage(zone, usage));
  }

  @Test
  @DisplayName("a day cap of 100 lets a member who earned 95 today earn only 5 more, and says which counter to grow")
  void dayCap() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).caps(100L, null, null, null));
    assertEquals(List.of(new Award("base", 5, null, List.of(DAY), false)),
        earn(rules, NOON, UTC, DAY, 95).breakdown());
  }

  @Test
  @DisplayName("a reached day cap awards nothing and leaves the rule out of the breakdown")
  void dayCapReached() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).caps(100L, null, null, null));
    assertEquals(Evaluation.NOTHING, earn(rules, NOON, UTC, DAY, 100));
  }

  @Test
  @DisplayName("points earned yesterday do not count against today's cap")
  void otherDayDoesNotCount() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).caps(100L, null, null, null));
    assertEquals(50, earn(rules, NOON, UTC, "day:2026-03-03", 100).points());
  }

  @Test
  @DisplayName("a week cap of 500 lets a member who earned 480 this week earn only 20 more")
  void weekCap() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).caps(null, 500L, null, null));
    assertEquals(List.of(new Award("base", 20, null, List.of(WEEK), false)),
        earn(rules, NOON, UTC, WEEK, 480).breakdown());
  }

  @Test
  @DisplayName("a month cap of 1000 lets a member who earned 990 this month earn only 10 more")
  void monthCap() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).caps(null, null, 1000L, null));
    assertEquals(List.of(new Award("base", 10, null, List.of(MONTH), false)),
        earn(rules, NOON, UTC, MONTH, 990).breakdown());
  }

  @Test
  @DisplayName("a lifetime cap of 10000 lets a member who earned 9999 from the rule earn only 1 more")
  void lifetimeCap() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).caps(null, null, null, 10_000L));
    assertEquals(List.of(new Award("base", 1, null, List.of(CapWindows.LIFETIME), false)),
        earn(rules, NOON, UTC, CapWindows.LIFETIME, 9_999).breakdown());
  }

  @Test
  @DisplayName("the tightest of several caps wins, and the award names every capped window")
  void tightestCapWins() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).caps(100L, null, 1000L, null));
    CapUsage usage = CapUsage.of(Map.of("base", Map.of(DAY, 10L, MONTH, 970L)), Map.of());
    Evaluation e = rules.evaluatePurchase(purchase(NOON, 5000), withUsage(UTC, usage));
    assertEquals(List.of(new Award("base", 30, null, List.of(DAY, MONTH), false)), e.breakdown());
  }

  @Test
  @DisplayName("the week is the tenant's: Sunday 23:30 in Warsaw still counts against a full week, Monday 00:30 starts a new one")
  void weekBoundaryInTenantZone() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).caps(null, 100L, null, null));
    Instant sundayLate = Instant.parse("2026-03-29T21:30:00Z"); // Sunday 23:30 CEST, week 13
    Instant mondayEarly = Instant.parse("2026-03-29T22:30:00Z"); // Monday 00:30 CEST, week 14; still Sunday in UTC
    assertEquals(0, earn(rules, sundayLate, WARSAW, "week:2026-W13", 100).points());
    Evaluation monday = earn(rules, mondayEarly, WARSAW, "week:2026-W13", 100);
    assertEquals(List.of(new Award("base", 50, null, List.of("week:2026-W14"), false)), monday.breakdown());
  }

  @Test
  @DisplayName("caps apply to the award after the tier multiplier")
  void capsAfterTierMultiplier() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).tierMultiplied().caps(100L, null, null, null));
    CapUsage usage = CapUsage.of(Map.of("base", Map.of(DAY, 30L)), Map.of());
    EarningContext gold = new EarningContext(UTC, new MemberFacts("gold", 200, Map.of()), usage);
    assertEquals(70, rules.evaluatePurchase(purchase(NOON, 5000), gold).points());
  }

  @Test
  @DisplayName("a budget of 1000 with 990 spent program-wide awards only 10 more, and marks the award budgeted")
  void budgetClamps() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).budget(1000));
    CapUsage usage = CapUsage.of(Map.of(), Map.of("base", 990L));
    assertEquals(List.of(new Award("base", 10, null, List.of(), true)),
        rules.evaluatePurchase(purchase(NOON, 5000), withUsage(UTC, usage)).breakdown());
  }

  @Test
  @DisplayName("an exhausted budget awards nothing")
  void budgetExhausted() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(50).budget(1000));
    CapUsage usage = CapUsage.of(Map.of(), Map.of("base", 1000L));
    assertEquals(Evaluation.NOTHING, rules.evaluatePurchase(purchase(NOON, 5000), withUsage(UTC, usage)));
  }

  @Test
  @DisplayName("the compiled set tells persistence which rules need counters")
  void cappedAndBudgetedRuleIds() {
    CompiledRuleSet rules = compile(purchaseRule("capped").fixed(1).caps(10L, null, null, null),
        purchaseRule("budgeted").fixed(1).budget(100), purchaseRule("plain").fixed(1));
    assertTrue(rules.hasCaps() && rules.hasBudgets());
    assertEquals(java.util.Set.of("capped"), rules.cappedRuleIds());
    assertEquals(java.util.Set.of("budgeted"), rules.budgetedRuleIds());
  }
}
