package org.loyaltyengine.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.rules.Facts.context;
import static org.loyaltyengine.rules.Facts.points;
import static org.loyaltyengine.rules.Facts.purchase;
import static org.loyaltyengine.rules.RuleBuilder.compile;
import static org.loyaltyengine.rules.RuleBuilder.purchaseRule;

@DisplayName("Fixed bonuses, multipliers and tier multipliers")
class AwardTypesTest {
  private static final MemberFacts GOLD = new MemberFacts("gold", 150, Map.of());

  @Test
  @DisplayName("a fixed bonus awards its points whatever the basket")
  void fixedBonus() {
    CompiledRuleSet rules = compile(purchaseRule("welcome").fixed(50));
    assertEquals(50, points(rules, purchase(1)));
    assertEquals(50, points(rules, purchase(1_000_000)));
  }

  @Test
  @DisplayName("a 200% multiplier doubles what earlier rules awarded, under its own id")
  void multiplierDoublesEarlierAwards() {
    CompiledRuleSet rules = compile(purchaseRule("base").priority(100).perSpend(1, 100),
        purchaseRule("double").priority(10).multiplier(200));
    Evaluation e = rules.evaluatePurchase(purchase(1000), Facts.PLAIN);
    assertEquals(20, e.points());
    assertEquals(List.of(new Award("base", 10, null), new Award("double", 10, null)), e.breakdown());
  }

  @Test
  @DisplayName("a multiplier evaluated before any award adds nothing")
  void multiplierOnlySeesEarlierRules() {
    CompiledRuleSet rules = compile(purchaseRule("double").priority(100).multiplier(200),
        purchaseRule("base").priority(10).perSpend(1, 100));
    assertEquals(10, points(rules, purchase(1000)));
  }

  @Test
  @DisplayName("a multiplier's extra points are rounded down: 150% of 15 adds 7")
  void multiplierRoundsDown() {
    CompiledRuleSet rules = compile(purchaseRule("base").priority(100).fixed(15),
        purchaseRule("half-more").priority(10).multiplier(150));
    assertEquals(22, points(rules, purchase(1000)));
  }

  @Test
  @DisplayName("a rule that applies the tier multiplier gives a x1.5 member 15 points instead of 10")
  void tierMultiplier() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(10).tierMultiplied());
    assertEquals(15, rules.evaluatePurchase(purchase(1000), context(GOLD)).points());
  }

  @Test
  @DisplayName("the tier multiplier is rounded down: x1.25 on 15 points gives 18")
  void tierMultiplierRoundsDown() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(15).tierMultiplied());
    assertEquals(18, rules.evaluatePurchase(purchase(1000), context(new MemberFacts("silver", 125, Map.of()))).points());
  }

  @Test
  @DisplayName("a rule that does not ask for the tier multiplier ignores it")
  void tierMultiplierIsOptIn() {
    CompiledRuleSet rules = compile(purchaseRule("base").fixed(10));
    assertEquals(10, rules.evaluatePurchase(purchase(1000), context(GOLD)).points());
  }

  @Test
  @DisplayName("an award carries its rule's pending days, or null for the tenant's default")
  void pendingDaysPassThrough() {
    CompiledRuleSet rules = compile(purchaseRule("a").priority(2).fixed(1).pendingDays(14),
        purchaseRule("b").priority(1).fixed(1));
    assertEquals(List.of(new Award("a", 1, 14), new Award("b", 1, null)),
        rules.evaluatePurchase(purchase(1000), Facts.PLAIN).breakdown());
  }
}
