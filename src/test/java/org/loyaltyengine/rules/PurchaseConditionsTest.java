package org.loyaltyengine.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.rules.Facts.context;
import static org.loyaltyengine.rules.Facts.line;
import static org.loyaltyengine.rules.Facts.points;
import static org.loyaltyengine.rules.Facts.purchase;
import static org.loyaltyengine.rules.Facts.purchaseVia;
import static org.loyaltyengine.rules.RuleBuilder.compile;
import static org.loyaltyengine.rules.RuleBuilder.purchaseRule;

@DisplayName("Purchase and member conditions")
class PurchaseConditionsTest {
  @Test
  @DisplayName("a sku filter applies when one line has a listed sku")
  void skuFilter() {
    CompiledRuleSet rules = compile(purchaseRule("sku").skus("SKU-1", "SKU-2").fixed(10));
    assertEquals(10, points(rules, purchase(500, line("SKU-9", null, 100), line("SKU-2", null, 400))));
    assertEquals(0, points(rules, purchase(500, line("SKU-9", null, 500))));
  }

  @Test
  @DisplayName("a category filter never matches a line without a category")
  void categoryFilter() {
    CompiledRuleSet rules = compile(purchaseRule("cat").categories("grocery").fixed(10));
    assertEquals(10, points(rules, purchase(500, line("A", "grocery", 500))));
    assertEquals(0, points(rules, purchase(500, line("A", null, 500))));
  }

  @Test
  @DisplayName("a label filter applies when a line carries any listed label")
  void labelFilter() {
    CompiledRuleSet rules = compile(purchaseRule("promo").labels("promo", "new").fixed(10));
    assertEquals(10, points(rules, purchase(500, line("A", null, 500, "organic", "new"))));
    assertEquals(0, points(rules, purchase(500, line("A", null, 500, "organic"))));
  }

  @Test
  @DisplayName("item filters combine on the same line: a grocery line and a promo line do not make a promo grocery line")
  void itemFiltersCombinePerLine() {
    CompiledRuleSet rules = compile(purchaseRule("promo-grocery").categories("grocery").labels("promo").fixed(10));
    assertEquals(0, points(rules, purchase(500, line("A", "grocery", 250), line("B", "toys", 250, "promo"))));
    assertEquals(10, points(rules, purchase(500, line("A", "grocery", 250, "promo"))));
  }

  @Test
  @DisplayName("a channel filter applies to listed channels only, and never to a purchase without a channel")
  void channelFilter() {
    CompiledRuleSet rules = compile(purchaseRule("online").channels("online").fixed(10));
    assertEquals(10, points(rules, purchaseVia("online", null, 500)));
    assertEquals(0, points(rules, purchaseVia("store", null, 500)));
    assertEquals(0, points(rules, purchaseVia(null, null, 500)));
  }

  @Test
  @DisplayName("a store filter applies to listed stores only")
  void storeFilter() {
    CompiledRuleSet rules = compile(purchaseRule("store").stores("store-12").fixed(10));
    assertEquals(10, points(rules, purchaseVia("store", "store-12", 500)));
    assertEquals(0, points(rules, purchaseVia("store", "store-13", 500)));
  }

  @Test
  @DisplayName("a minimum basket total of 50 EUR accepts exactly 50 EUR and refuses 49.99 EUR")
  void minimumBasket() {
    CompiledRuleSet rules = compile(purchaseRule("big").minBasketTotal(5000).fixed(10));
    assertEquals(10, points(rules, purchase(5000)));
    assertEquals(0, points(rules, purchase(4999)));
  }

  @Test
  @DisplayName("a tier condition applies to members of a listed tier only, never to members without a tier")
  void tierCondition() {
    CompiledRuleSet rules = compile(purchaseRule("gold").tiers("gold", "platinum").fixed(10));
    assertEquals(10, rules.evaluatePurchase(purchase(500), context(new MemberFacts("gold", 100, Map.of()))).points());
    assertEquals(0, rules.evaluatePurchase(purchase(500), context(new MemberFacts("silver", 100, Map.of()))).points());
    assertEquals(0, rules.evaluatePurchase(purchase(500), context(MemberFacts.plain())).points());
  }

  @Test
  @DisplayName("member attribute conditions need every named attribute present with an accepted value")
  void memberAttributes() {
    CompiledRuleSet rules = compile(purchaseRule("city")
        .memberAttribute("city", "Krakow", "Warsaw").memberAttribute("segment", "student").fixed(10));
    assertEquals(10, earn(rules, Map.of("city", "Warsaw", "segment", "student")));
    assertEquals(0, earn(rules, Map.of("city", "Gdansk", "segment", "student")));
    assertEquals(0, earn(rules, Map.of("city", "Warsaw")));
  }

  private static long earn(CompiledRuleSet rules, Map<String, String> attributes) {
    return rules.evaluatePurchase(purchase(500), context(new MemberFacts(null, 100, attributes))).points();
  }
}
