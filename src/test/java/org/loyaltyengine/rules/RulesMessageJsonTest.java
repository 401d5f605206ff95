package org.loyaltyengine.rules;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.JsonMessageCodec;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

@DisplayName("Rule evaluations on the wire between cluster nodes")
class RulesMessageJsonTest {
  private static final RuleSet RULES = RuleSetJson.parse(new JsonObject("""
      {"rules": [
        {"id": "base", "name": "1 point per EUR", "trigger": "purchase", "priority": 100,
         "conditions": {"skus": ["SKU-1"], "categories": ["grocery"], "labels": ["promo"], "channels": ["store"],
                        "stores": ["store-12"], "minBasketTotal": 5000, "tiers": ["gold"],
                        "memberAttributes": {"city": ["Krakow", "Warsaw"]},
                        "validFrom": "2026-01-01T00:00:00Z", "validTo": "2026-12-31T23:59:59Z",
                        "weekdays": ["SAT", "SUN"], "hours": {"from": "22:00", "to": "02:00"}},
         "award": {"type": "per_spend", "points": 1, "perAmount": 100, "rounding": "nearest",
                   "spend": "matching_items", "applyTierMultiplier": true},
         "caps": {"day": 100, "lifetime": 10000}, "budget": 1000000, "pendingDays": 14},
        {"id": "login", "trigger": "event", "conditions": {"eventType": "app_login",
         "eventAttributes": {"platform": ["ios"]}}, "award": {"type": "fixed", "points": 5}},
        {"id": "double", "trigger": "purchase", "stopAfter": true, "award": {"type": "multiplier", "percent": 200}}
      ]}"""));
  private static final UUID TENANT = UUID.fromString("5d6c1f0e-8f0b-4c39-9a53-2f3a8d1f1a10");
  private static final MemberFacts GOLD = new MemberFacts("gold", 150, Map.of("city", "Krakow", "segment", "b2c"));
  private static final Purchase PURCHASE = new Purchase("T-1", Instant.parse("2026-03-07T23:15:00Z"), 12_345, "EUR",
      "store", "store-12", List.of(new LineItem("SKU-1", "grocery", 2, 10_000, Set.of("promo", "organic")),
      new LineItem("SKU-2", null, 1, 2_345, Set.of())));

  @Test
  @DisplayName("a purchase evaluation for a member arrives equal to what was sent")
  void purchaseRequest() {
    EvaluationRequest sent = new EvaluationRequest(TENANT, 7, null, ZoneId.of("Europe/Warsaw"), 42L, GOLD, PURCHASE, null);
    assertEquals(sent, RulesMessageJson.request(RulesMessageJson.toJson(sent)));
  }

  @Test
  @DisplayName("an event simulation under a proposed rule set, without a member id, arrives equal to what was sent")
  void eventSimulation() {
    EvaluationRequest sent = new EvaluationRequest(TENANT, 0, RULES, ZoneId.of("UTC"), null, MemberFacts.plain(), null,
        new CustomEvent("E-1", "app_login", Instant.parse("2026-03-04T12:00:00Z"), Map.of("platform", "ios")));
    assertEquals(sent, RulesMessageJson.request(RulesMessageJson.toJson(sent)));
  }

  @Test
  @DisplayName("a verdict keeps its awards, cap windows, budgets and the rule set that produced them")
  void verdict() {
    RuleVerdict sent = new RuleVerdict(new Evaluation(155, List.of(
        new Award("base", 150, 14, List.of("day:2026-03-07", "lifetime"), true), new Award("double", 5, null))), RULES);
    RuleVerdict received = RulesMessageJson.verdict(RulesMessageJson.toJson(sent));
    assertEquals(sent, received);
    assertEquals(100, received.capOf("base", "day:2026-03-07", Instant.parse("2026-03-07T23:15:00Z"), ZoneId.of("UTC")));
  }

  @Test
  @DisplayName("the codec writes length-prefixed JSON for a remote consumer and passes the same instance to a local one")
  void codec() {
    JsonMessageCodec<RuleVerdict> codec = new JsonMessageCodec<>(RuleVerdict.class, RulesMessageJson::toJson,
        RulesMessageJson::verdict);
    RuleVerdict sent = new RuleVerdict(new Evaluation(5, List.of(new Award("login", 5, null))), RULES);
    Buffer wire = Buffer.buffer().appendString("header"); // a message's other fields come first on the wire
    codec.encodeToWire(wire, sent);
    assertEquals(sent, codec.decodeFromWire("header".length(), wire));
    assertSame(sent, codec.transform(sent));
  }
}
