package org.loyaltyengine.fraud;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * What a held earning is while it waits, and after the decision (docs/fraud.md, "Held earnings"): not yet
 * earned (no tier progress, no lifetimeEarned) until approved; holding its place under the rule's caps and
 * budget, which a void gives back and an approval never exceeds. The ledger invariants hold after each.
 */
@DisplayName("Held earnings: no tier progress until approved; a void gives back the caps and budget it used")
class HeldEarningsTest {
  static TestEngine engine;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false"));
  }

  @AfterEach
  void ledgerStaysExact() {
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  /** One point per whole EUR, at most 100 a day per member and 150 over the whole program; earnings above {@code holdAbove} held. */
  static Tenant tenant(String name, long holdAbove) {
    Tenant t = engine.createTenant(name);
    Reply rules = engine.send(HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), "application/json",
        new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("id", "base").put("trigger", "purchase")
            .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)
                .put("rounding", "down").put("spend", "basket"))
            .put("caps", new JsonObject().put("day", 100)).put("budget", 150))).toBuffer());
    assertEquals(200, rules.status(), rules.body().toString());
    Reply checks = engine.send(HttpMethod.PUT, "/v1/fraud/checks", t.adminKey(), "application/json",
        new JsonObject().put("checks", new JsonArray().add(new JsonObject().put("check", "points_per_transaction")
            .put("action", "hold").put("max", holdAbove))).toBuffer());
    assertEquals(200, checks.status(), checks.body().toString());
    return t;
  }

  static Reply buy(Tenant t, String id, String member, long cents) {
    Reply r = engine.post("/v1/transactions", t.adminKey(), FraudTestSupport.purchase(id, member, cents));
    assertEquals(201, r.status(), r.body().toString());
    return r;
  }

  static String holdId(Reply r) {
    return r.json().getJsonObject("review").getString("holdId");
  }

  static Reply decide(Tenant t, String holdId, String decision) {
    Reply r = engine.post("/v1/fraud/holds/" + holdId + "/" + decision, t.adminKey(), new JsonObject());
    assertEquals(200, r.status(), r.body().toString());
    return r;
  }

  static JsonObject profile(Tenant t, String member) {
    return engine.get("/v1/members/" + member, t.adminKey()).json();
  }

  static long usage(Tenant t) {
    return engine.queryLong("select coalesce(sum(u.points), 0) from rule_usage u where u.tenant_id = ?::uuid", t.id());
  }

  static long budgetSpent(Tenant t) {
    return engine.queryLong("select coalesce(sum(spent), 0) from rule_budgets where tenant_id = ?::uuid", t.id());
  }

  @Test
  @DisplayName("a held earning lifts no tier and adds no lifetime or qualifying points; approving it counts them and climbs")
  void tierWaitsForApproval() {
    Tenant t = tenant("held-tier", 10);
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/tiers", t.adminKey(), "application/json",
        new JsonObject().put("qualification", new JsonObject().put("basis", "rolling_days").put("days", 365))
            .put("tiers", new JsonArray().add(new JsonObject().put("code", "silver").put("name", "Silver")
                .put("threshold", 50))).toBuffer()).status());
    engine.enrol(t.adminKey(), "tia");
    Reply held = buy(t, "ht-1", "tia", 6_000);
    assertEquals("held", held.json().getJsonObject("review").getString("status"));
    JsonObject waiting = profile(t, "tia");
    assertNull(waiting.getValue("tier"), "60 held points do not reach silver (50) before review");
    assertEquals(0, waiting.getLong("qualifyingPoints"));
    assertEquals(0, waiting.getJsonObject("points").getLong("lifetimeEarned"));
    assertEquals(60, waiting.getJsonObject("points").getLong("pending"));
    assertEquals(0, engine.queryLong("select count(*) from outbox where event_type = 'tier.changed' and tenant_id = ?::uuid",
        t.id()));

    decide(t, holdId(held), "approve");
    JsonObject approved = profile(t, "tia");
    assertEquals("silver", approved.getJsonObject("tier").getString("code"), approved.encode());
    assertEquals(60, approved.getLong("qualifyingPoints"));
    assertEquals(60, approved.getJsonObject("points").getLong("lifetimeEarned"));
    assertEquals(60, approved.getJsonObject("points").getLong("available"));
    assertEquals(1, engine.queryLong("select count(*) from outbox where event_type = 'tier.changed' and tenant_id = ?::uuid "
        + "and payload ->> 'to' = 'silver'", t.id()));
  }

  @Test
  @DisplayName("voiding a held earning gives back its cap and budget usage: a later purchase earns under the cap again")
  void voidRestoresCaps() {
    Tenant t = tenant("held-void-caps", 80);
    engine.enrol(t.adminKey(), "cap");
    Reply held = buy(t, "vc-1", "cap", 10_000); // 100 points: the whole day cap, held (over 80)
    assertEquals(100, held.json().getLong("pointsEarned"));
    assertEquals(100, usage(t));
    assertEquals(100, budgetSpent(t));
    Reply blocked = buy(t, "vc-2", "cap", 5_000);
    assertEquals(0, blocked.json().getLong("pointsEarned"), "the held earning keeps its place under the cap");

    decide(t, holdId(held), "void");
    assertEquals(0, usage(t), "the void gave the day cap back");
    assertEquals(0, budgetSpent(t), "and the program budget");
    Reply later = buy(t, "vc-3", "cap", 5_000);
    assertEquals(50, later.json().getLong("pointsEarned"), later.body().toString());
    assertNull(later.json().getValue("review"));
    assertEquals(50, FraudTestSupport.points(engine, t, "cap").getLong("available"));
    assertEquals(50, usage(t));
    assertEquals(50, budgetSpent(t));
    decide(t, holdId(held), "void"); // again: a no-op, nothing given back twice
    assertEquals(50, usage(t));
  }

  @Test
  @DisplayName("approving a held earning takes nothing more from the caps: they are never exceeded")
  void approvalKeepsCaps() {
    Tenant t = tenant("held-approve-caps", 80);
    engine.enrol(t.adminKey(), "amy");
    engine.enrol(t.adminKey(), "bo");
    Reply held = buy(t, "ac-1", "amy", 10_000);
    assertEquals(0, buy(t, "ac-2", "amy", 5_000).json().getLong("pointsEarned"));
    assertEquals(50, buy(t, "ac-3", "bo", 5_000).json().getLong("pointsEarned"), "another member, the budget's last 50");
    assertEquals(0, buy(t, "ac-4", "bo", 1_000).json().getLong("pointsEarned"), "the budget (150) is spent");
    decide(t, holdId(held), "approve");
    assertEquals(100, FraudTestSupport.points(engine, t, "amy").getLong("available"));
    assertEquals(150, usage(t));
    assertEquals(150, budgetSpent(t), "exactly the budget, not more");
  }

  @Test
  @DisplayName("a return of a purchase still held takes back held points, which were never counted as earned")
  void returnOfHeldPurchase() {
    Tenant t = tenant("held-return", 10);
    engine.enrol(t.adminKey(), "ret");
    Reply held = buy(t, "hr-1", "ret", 6_000);
    Reply returned = engine.post("/v1/transactions/hr-1/returns", t.adminKey(),
        new JsonObject().put("returnId", "hr-1-r").put("amount", 3_000));
    assertEquals(201, returned.status(), returned.body().toString());
    assertEquals(30, returned.json().getLong("pointsReturned"));
    assertEquals(0, FraudTestSupport.points(engine, t, "ret").getLong("lifetimeEarned"), "nothing earned, nothing taken");
    assertEquals(30, FraudTestSupport.points(engine, t, "ret").getLong("pending"));
    decide(t, holdId(held), "approve");
    assertEquals(30, FraudTestSupport.points(engine, t, "ret").getLong("available"));
    assertEquals(30, FraudTestSupport.points(engine, t, "ret").getLong("lifetimeEarned"));
    assertEquals(30, profile(t, "ret").getLong("qualifyingPoints"));
  }
}
