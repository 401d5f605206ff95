package org.loyaltyengine.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.rules.Facts.NOON;
import static org.loyaltyengine.rules.Facts.UTC;
import static org.loyaltyengine.rules.Facts.purchase;
import static org.loyaltyengine.rules.Facts.withUsage;
import static org.loyaltyengine.rules.RuleBuilder.compile;
import static org.loyaltyengine.rules.RuleBuilder.purchaseRule;

@DisplayName("Priority, exclusive rules and stop-after")
class RuleOrderTest {
  private static List<String> awarded(CompiledRuleSet rules) {
    return rules.evaluatePurchase(purchase(1000), Facts.PLAIN).breakdown().stream().map(Award::ruleId).toList();
  }

  @Test
  @DisplayName("rules are evaluated by priority, highest first, whatever the upload order")
  void priorityOrder() {
    assertEquals(List.of("high", "mid", "low"), awarded(compile(purchaseRule("low").priority(1),
        purchaseRule("high").priority(100), purchaseRule("mid").priority(50))));
  }

  @Test
  @DisplayName("rules of equal priority are evaluated in id order")
  void idBreaksTies() {
    assertEquals(List.of("a", "b", "c"), awarded(compile(purchaseRule("c"), purchaseRule("a"), purchaseRule("b"))));
  }

  @Test
  @DisplayName("an exclusive rule reached first awards alone: later rules are not evaluated")
  void exclusiveFirstAwardsAlone() {
    assertEquals(List.of("promo"), awarded(compile(purchaseRule("promo").priority(100).exclusive().fixed(500),
        purchaseRule("base").priority(10).fixed(10))));
  }

  @Test
  @DisplayName("an exclusive rule is skipped when an earlier rule already awarded, and later rules still apply")
  void exclusiveSkippedAfterAward() {
    assertEquals(List.of("base", "late"), awarded(compile(purchaseRule("base").priority(100).fixed(10),
        purchaseRule("promo").priority(50).exclusive().fixed(500), purchaseRule("late").priority(10).fixed(1))));
  }

  @Test
  @DisplayName("an exclusive rule whose cap is reached awards nothing and does not stop normal earning")
  void exhaustedExclusiveDoesNotStop() {
    CompiledRuleSet rules = compile(purchaseRule("promo").priority(100).exclusive().fixed(500).caps(500L, null, null, null),
        purchaseRule("base").priority(10).fixed(10));
    CapUsage usage = CapUsage.of(Map.of("promo", Map.of("day:2026-03-04", 500L)), Map.of());
    assertEquals(List.of(new Award("base", 10, null)),
        rules.evaluatePurchase(purchase(NOON, 1000), withUsage(UTC, usage)).breakdown());
  }

  @Test
  @DisplayName("a stop-after rule that awards ends the evaluation")
  void stopAfterStops() {
    assertEquals(List.of("first", "stop"), awarded(compile(purchaseRule("first").priority(100),
        purchaseRule("stop").priority(50).stopAfter(), purchaseRule("never").priority(10))));
  }

  @Test
  @DisplayName("a stop-after rule that does not apply does not stop anything")
  void stopAfterOnlyWhenAwarding() {
    assertEquals(List.of("first", "later"), awarded(compile(purchaseRule("first").priority(100),
        purchaseRule("stop").priority(50).stopAfter().minBasketTotal(1_000_000), purchaseRule("later").priority(10))));
  }
}
