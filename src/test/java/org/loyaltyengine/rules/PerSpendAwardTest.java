package org.loyaltyengine.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.rules.AwardSpec.Rounding.DOWN;
import static org.loyaltyengine.rules.AwardSpec.Rounding.NEAREST;
import static org.loyaltyengine.rules.AwardSpec.Rounding.UP;
import static org.loyaltyengine.rules.AwardSpec.Spend.BASKET;
import static org.loyaltyengine.rules.AwardSpec.Spend.MATCHING_ITEMS;
import static org.loyaltyengine.rules.Facts.line;
import static org.loyaltyengine.rules.Facts.points;
import static org.loyaltyengine.rules.Facts.purchase;
import static org.loyaltyengine.rules.RuleBuilder.compile;
import static org.loyaltyengine.rules.RuleBuilder.purchaseRule;

@DisplayName("Points per spend")
class PerSpendAwardTest {
  private static long earn(AwardSpec.Rounding rounding, long total) {
    return points(compile(purchaseRule("base").perSpend(1, 100, rounding, BASKET)), purchase(total));
  }

  @Test
  @DisplayName("1 point per EUR rounded down gives 12 points for 12.99 EUR")
  void roundsDown() {
    assertEquals(12, earn(DOWN, 1299));
  }

  @Test
  @DisplayName("rounded up, 12.01 EUR gives 13 points but 12.00 EUR gives exactly 12")
  void roundsUp() {
    assertEquals(13, earn(UP, 1201));
    assertEquals(12, earn(UP, 1200));
  }

  @Test
  @DisplayName("rounded to nearest, half a unit rounds up: 12.49 EUR gives 12, 12.50 EUR gives 13")
  void roundsToNearestHalfUp() {
    assertEquals(12, earn(NEAREST, 1249));
    assertEquals(13, earn(NEAREST, 1250));
  }

  @Test
  @DisplayName("several points per amount: 5 points per 2 EUR on 9.99 EUR is 24 (24.975 rounded down)")
  void severalPointsPerAmount() {
    assertEquals(24, points(compile(purchaseRule("base").perSpend(5, 200)), purchase(999)));
  }

  @Test
  @DisplayName("matching-items spend counts only the lines that pass the item filters")
  void matchingItemsSpend() {
    CompiledRuleSet rules = compile(purchaseRule("fresh").categories("grocery").perSpend(1, 100, DOWN, MATCHING_ITEMS));
    assertEquals(10, points(rules, purchase(3500, line("A", "grocery", 1000), line("B", "alcohol", 3000))));
  }

  @Test
  @DisplayName("basket spend uses the discounted total even when item filters select the rule")
  void basketSpendWithItemFilters() {
    CompiledRuleSet rules = compile(purchaseRule("fresh").categories("grocery").perSpend(1, 100, DOWN, BASKET));
    assertEquals(35, points(rules, purchase(3500, line("A", "grocery", 1000), line("B", "alcohol", 3000))));
  }

  @Test
  @DisplayName("matching-items spend without item filters is the sum of all lines, before basket discounts")
  void matchingItemsWithoutFiltersIsAllLines() {
    CompiledRuleSet rules = compile(purchaseRule("lines").perSpend(1, 100, DOWN, MATCHING_ITEMS));
    assertEquals(40, points(rules, purchase(3500, line("A", "grocery", 1000), line("B", "alcohol", 3000))));
  }

  @Test
  @DisplayName("a purchase rule with item filters awards nothing when no line matches, even on basket spend")
  void noMatchingLineNoAward() {
    CompiledRuleSet rules = compile(purchaseRule("fresh").categories("grocery").perSpend(1, 100, DOWN, BASKET));
    assertEquals(0, points(rules, purchase(3000, line("B", "alcohol", 3000))));
  }

  @Test
  @DisplayName("the largest rule on the largest basket is held at AWARD_MAX instead of overflowing")
  void largestAwardIsBounded() {
    CompiledRuleSet rules = compile(purchaseRule("huge").perSpend(RuleLimits.POINTS_MAX, 1));
    assertEquals(RuleLimits.AWARD_MAX, points(rules, purchase(Purchase.MAX_AMOUNT)));
  }
}
