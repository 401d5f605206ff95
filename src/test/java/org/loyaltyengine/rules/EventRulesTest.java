package org.loyaltyengine.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.rules.Facts.context;
import static org.loyaltyengine.rules.Facts.event;
import static org.loyaltyengine.rules.Facts.points;
import static org.loyaltyengine.rules.Facts.purchase;
import static org.loyaltyengine.rules.RuleBuilder.compile;
import static org.loyaltyengine.rules.RuleBuilder.eventRule;
import static org.loyaltyengine.rules.RuleBuilder.purchaseRule;

@DisplayName("Event rules")
class EventRulesTest {
  private static long earn(CompiledRuleSet rules, CustomEvent event) {
    return rules.evaluateEvent(event, Facts.PLAIN).points();
  }

  @Test
  @DisplayName("an event rule awards for events of its type only")
  void byType() {
    CompiledRuleSet rules = compile(eventRule("login", "app_login").fixed(5));
    assertEquals(5, earn(rules, event("app_login", Map.of())));
    assertEquals(0, earn(rules, event("review", Map.of())));
  }

  @Test
  @DisplayName("event attribute conditions need the attribute present with an accepted value")
  void byAttributes() {
    CompiledRuleSet rules = compile(eventRule("ios-login", "app_login").eventAttribute("platform", "ios").fixed(5));
    assertEquals(5, earn(rules, event("app_login", Map.of("platform", "ios"))));
    assertEquals(0, earn(rules, event("app_login", Map.of("platform", "android"))));
    assertEquals(0, earn(rules, event("app_login", Map.of())));
  }

  @Test
  @DisplayName("event rules never fire on purchases, and purchase rules never on events")
  void triggersAreSeparate() {
    CompiledRuleSet rules = compile(eventRule("login", "app_login").fixed(5), purchaseRule("base").fixed(10));
    assertEquals(10, points(rules, purchase(1000)));
    assertEquals(5, earn(rules, event("app_login", Map.of())));
  }

  @Test
  @DisplayName("event rules honour member conditions such as the tier")
  void memberConditions() {
    CompiledRuleSet rules = compile(eventRule("gold-login", "app_login").tiers("gold").fixed(5));
    assertEquals(5, rules.evaluateEvent(event("app_login", Map.of()),
        context(new MemberFacts("gold", 100, Map.of()))).points());
    assertEquals(0, earn(rules, event("app_login", Map.of())));
  }
}
