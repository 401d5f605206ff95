package org.loyaltyengine.rules;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.Rejection;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Rule set JSON")
class RuleSetJsonTest {
  private static final String FULL = """
      {"rules": [
        {"id": "base", "name": "1 point per EUR", "trigger": "purchase", "priority": 100, "mode": "stackable",
         "stopAfter": false,
         "conditions": {"skus": ["SKU-1"], "categories": ["grocery"], "labels": ["promo"],
                        "channels": ["store", "online"], "stores": ["store-12"], "minBasketTotal": 5000,
                        "tiers": ["gold"], "memberAttributes": {"city": ["Krakow", "Warsaw"]},
                        "validFrom": "2026-01-01T00:00:00Z", "validTo": "2026-12-31T23:59:59Z",
                        "weekdays": ["SAT", "SUN"], "hours": {"from": "08:00", "to": "12:00"}},
         "award": {"type": "per_spend", "points": 1, "perAmount": 100, "rounding": "down",
                   "spend": "matching_items", "applyTierMultiplier": true},
         "caps": {"day": 100, "week": 500, "month": 1000, "lifetime": 10000},
         "budget": 1000000, "pendingDays": 14},
        {"id": "login", "trigger": "event", "conditions": {"eventType": "app_login",
         "eventAttributes": {"platform": ["ios"]}}, "award": {"type": "fixed", "points": 5}},
        {"id": "double-weekend", "trigger": "purchase", "priority": 10, "stopAfter": true,
         "conditions": {"weekdays": ["SAT"]}, "award": {"type": "multiplier", "percent": 200}}
      ]}""";

  /** A minimal valid rule with {@code field} of object {@code at} ("" = the rule) set to {@code value}. */
  private static JsonObject withRule(String at, String field, Object value) {
    JsonObject rule = new JsonObject().put("id", "base").put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "fixed").put("points", 10));
    JsonObject target = rule;
    for (String part : at.isEmpty() ? new String[0] : at.split("\\.")) {
      target = target.containsKey(part) ? target.getJsonObject(part) : put(target, part);
    }
    target.put(field, value);
    return new JsonObject().put("rules", new JsonArray().add(rule));
  }

  private static JsonObject put(JsonObject parent, String field) {
    JsonObject child = new JsonObject();
    parent.put(field, child);
    return child;
  }

  private static Rejection rejected(JsonObject body) {
    Rejection r = assertThrows(Rejection.class, () -> RuleSetJson.parse(body));
    assertEquals(RuleSetJson.CODE, r.code());
    assertEquals(Rejection.Kind.INVALID, r.kind());
    return r;
  }

  private static void assertRejected(JsonObject body, String field, String ruleId) {
    Rejection r = rejected(body);
    assertEquals(field, r.field());
    assertTrue(r.getMessage().contains("rule \"" + ruleId + "\""), r.getMessage());
    assertTrue(r.getMessage().contains(field), r.getMessage());
  }

  @Test
  @DisplayName("the documented example parses into the rule it describes")
  void parsesFullExample() {
    Rule base = RuleSetJson.parse(new JsonObject(FULL)).rules().get(0);
    Conditions expected = new Conditions(List.of("SKU-1"), List.of("grocery"), List.of("promo"),
        List.of("store", "online"), List.of("store-12"), 5000L, List.of("gold"),
        Map.of("city", List.of("Krakow", "Warsaw")), Instant.parse("2026-01-01T00:00:00Z"),
        Instant.parse("2026-12-31T23:59:59Z"), Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY),
        new HourWindow(LocalTime.of(8, 0), LocalTime.of(12, 0)), null, Map.of());
    assertEquals(new Rule("base", "1 point per EUR", Rule.Trigger.PURCHASE, 100, Rule.Mode.STACKABLE, false,
        expected, new AwardSpec.PerSpend(1, 100, AwardSpec.Rounding.DOWN, AwardSpec.Spend.MATCHING_ITEMS, true),
        new Caps(100L, 500L, 1000L, 10_000L), 1_000_000L, 14), base);
  }

  @Test
  @DisplayName("omitted settings take their documented defaults")
  void defaults() {
    Rule rule = RuleSetJson.parse(new JsonObject("""
        {"rules": [{"id": "base", "trigger": "purchase", "award": {"type": "per_spend", "points": 1, "perAmount": 100}}]}
        """)).rules().get(0);
    assertEquals(new Rule("base", null, Rule.Trigger.PURCHASE, 0, Rule.Mode.STACKABLE, false, Conditions.NONE,
        new AwardSpec.PerSpend(1, 100, AwardSpec.Rounding.DOWN, AwardSpec.Spend.BASKET, false), Caps.NONE, null, null),
        rule);
  }

  @Test
  @DisplayName("per-spend rules with item filters default to matching-items spend")
  void itemFiltersDefaultToMatchingItems() {
    JsonObject body = withRule("conditions", "categories", new JsonArray().add("grocery"));
    body.getJsonArray("rules").getJsonObject(0).put("award", new JsonObject().put("type", "per_spend")
        .put("points", 1).put("perAmount", 100));
    AwardSpec.PerSpend award = (AwardSpec.PerSpend) RuleSetJson.parse(body).rules().get(0).award();
    assertEquals(AwardSpec.Spend.MATCHING_ITEMS, award.spend());
  }

  @Test
  @DisplayName("rendering and parsing again gives the same rule set")
  void roundTrip() {
    RuleSet set = RuleSetJson.parse(new JsonObject(FULL));
    assertEquals(set, RuleSetJson.parse(RuleSetJson.toJson(set)));
    assertEquals(RuleSetJson.toJson(set), RuleSetJson.toJson(RuleSetJson.parse(RuleSetJson.toJson(set))));
  }

  @Test
  @DisplayName("an empty rule set is valid and awards nothing")
  void emptySet() {
    assertEquals(RuleSet.EMPTY, RuleSetJson.parse(new JsonObject().put("rules", new JsonArray())));
  }

  @Test
  @DisplayName("an unknown field is rejected with its path, not ignored")
  void unknownField() {
    assertRejected(withRule("conditions", "colour", "red"), "rules[0].conditions.colour", "base");
    assertRejected(withRule("", "prority", 5), "rules[0].prority", "base");
  }

  @Test
  @DisplayName("an unknown award type is rejected")
  void unknownAwardType() {
    assertRejected(withRule("award", "type", "cashback"), "rules[0].award.type", "base");
  }

  @Test
  @DisplayName("a repeated rule id is rejected at the second occurrence")
  void duplicateId() {
    JsonObject body = withRule("", "priority", 1);
    body.getJsonArray("rules").add(body.getJsonArray("rules").getJsonObject(0).copy());
    assertRejected(body, "rules[1].id", "base");
  }

  @Test
  @DisplayName("a list longer than 1,000 entries is rejected")
  void listTooLong() {
    JsonArray skus = new JsonArray();
    for (int i = 0; i <= RuleLimits.LIST_ENTRIES_MAX; i++) {
      skus.add("SKU-" + i);
    }
    assertRejected(withRule("conditions", "skus", skus), "rules[0].conditions.skus", "base");
  }

  @Test
  @DisplayName("a bad list entry is named by its index")
  void badListEntry() {
    assertRejected(withRule("conditions", "categories", new JsonArray().add("grocery").add(7)),
        "rules[0].conditions.categories[1]", "base");
  }

  @Test
  @DisplayName("negative points are rejected")
  void negativePoints() {
    assertRejected(withRule("award", "points", -5), "rules[0].award.points", "base");
  }

  @Test
  @DisplayName("fractional and string numbers are rejected")
  void nonIntegers() {
    assertRejected(withRule("award", "points", 1.5), "rules[0].award.points", "base");
    assertRejected(withRule("", "priority", "5"), "rules[0].priority", "base");
  }

  @Test
  @DisplayName("an event rule without an event type is rejected")
  void eventRuleNeedsType() {
    assertRejected(withRule("", "trigger", "event"), "rules[0].conditions.eventType", "base");
  }

  @Test
  @DisplayName("purchase-only conditions on an event rule are rejected")
  void purchaseConditionOnEventRule() {
    JsonObject body = withRule("conditions", "eventType", "app_login");
    body.getJsonArray("rules").getJsonObject(0).put("trigger", "event")
        .getJsonObject("conditions").put("minBasketTotal", 100);
    assertRejected(body, "rules[0].conditions.minBasketTotal", "base");
  }

  @Test
  @DisplayName("per-spend awards on event rules are rejected: events have no spend")
  void perSpendOnEventRule() {
    JsonObject body = withRule("conditions", "eventType", "app_login");
    body.getJsonArray("rules").getJsonObject(0).put("trigger", "event").put("award",
        new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100));
    assertRejected(body, "rules[0].award.type", "base");
  }

  @Test
  @DisplayName("a time that is not HH:mm is rejected")
  void badTimeFormat() {
    assertRejected(withRule("conditions", "hours", new JsonObject().put("from", "8am").put("to", "12:00")),
        "rules[0].conditions.hours.from", "base");
    assertRejected(withRule("conditions", "hours", new JsonObject().put("from", "08:00").put("to", "24:00")),
        "rules[0].conditions.hours.to", "base");
  }

  @Test
  @DisplayName("validTo must come after validFrom")
  void validityOrder() {
    JsonObject body = withRule("conditions", "validFrom", "2026-02-01T00:00:00Z");
    body.getJsonArray("rules").getJsonObject(0).getJsonObject("conditions").put("validTo", "2026-01-01T00:00:00Z");
    assertRejected(body, "rules[0].conditions.validTo", "base");
  }

  @Test
  @DisplayName("an unknown weekday is rejected")
  void badWeekday() {
    assertRejected(withRule("conditions", "weekdays", new JsonArray().add("SAT").add("Sunday")),
        "rules[0].conditions.weekdays[1]", "base");
  }

  @Test
  @DisplayName("a multiplier cannot be exclusive")
  void exclusiveMultiplier() {
    JsonObject body = withRule("award", "type", "multiplier");
    JsonObject rule = body.getJsonArray("rules").getJsonObject(0).put("mode", "exclusive");
    rule.put("award", new JsonObject().put("type", "multiplier").put("percent", 200));
    assertRejected(body, "rules[0].mode", "base");
  }

  @Test
  @DisplayName("an invalid rule id is rejected by path, and a missing one too")
  void badId() {
    JsonObject body = withRule("", "id", "no spaces please");
    assertEquals("rules[0].id", rejected(body).field());
    body.getJsonArray("rules").getJsonObject(0).remove("id");
    assertEquals("rules[0].id", rejected(body).field());
  }

  @Test
  @DisplayName("more than 200 rules are rejected")
  void tooManyRules() {
    JsonArray rules = new JsonArray();
    for (int i = 0; i <= RuleLimits.RULES_MAX; i++) {
      rules.add(new JsonObject().put("id", "r" + i).put("trigger", "purchase")
          .put("award", new JsonObject().put("type", "fixed").put("points", 1)));
    }
    assertEquals("rules", rejected(new JsonObject().put("rules", rules)).field());
  }

  @Test
  @DisplayName("list entries are bounded over the whole set, not only per list")
  void setWideEntryLimit() {
    JsonArray skus = new JsonArray();
    for (int i = 0; i < RuleLimits.LIST_ENTRIES_MAX; i++) {
      skus.add("SKU-" + i);
    }
    JsonArray rules = new JsonArray();
    int needed = RuleLimits.SET_ENTRIES_MAX / RuleLimits.LIST_ENTRIES_MAX + 1;
    for (int i = 0; i < needed; i++) {
      rules.add(new JsonObject().put("id", "r" + i).put("trigger", "purchase")
          .put("conditions", new JsonObject().put("skus", skus))
          .put("award", new JsonObject().put("type", "fixed").put("points", 1)));
    }
    assertRejected(new JsonObject().put("rules", rules), "rules[" + (needed - 1) + "].conditions.skus", "r" + (needed - 1));
  }
}
