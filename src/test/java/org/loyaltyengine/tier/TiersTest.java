package org.loyaltyengine.tier;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@DisplayName("Tiers")
class TiersTest {
  static TestEngine engine;
  static Tenant tenant;
  static final String AT = Instant.now().minusSeconds(3600).toString();

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false"));
    tenant = engine.createTenant("tiers");
    put("/v1/earning-rules", new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("id", "base").put("trigger", "purchase").put("priority", 10)
            .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)
                .put("applyTierMultiplier", true)))));
    Reply tiers = put("/v1/tiers", new JsonObject()
        .put("qualification", new JsonObject().put("basis", "rolling_days").put("days", 365))
        .put("tiers", new JsonArray()
            .add(new JsonObject().put("code", "silver").put("name", "Silver").put("threshold", 100))
            .add(new JsonObject().put("code", "gold").put("name", "Gold").put("threshold", 500).put("multiplierPercent", 200))));
    assertEquals(200, tiers.status(), tiers.body().toString());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  static Reply put(String path, JsonObject body) {
    return engine.send(HttpMethod.PUT, path, tenant.adminKey(), "application/json", body.toBuffer());
  }

  static Reply buy(String id, String member, long total) {
    return engine.post("/v1/transactions", tenant.adminKey(), new JsonObject().put("transactionId", id)
        .put("memberExternalId", member).put("occurredAt", AT).put("total", total).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "S").put("quantity", 1).put("amount", total))));
  }

  @Test
  @DisplayName("the transaction that crosses a threshold upgrades the member; the profile shows tier, next tier and points needed")
  void upgradeOnCrossing() {
    engine.enrol(tenant.adminKey(), "climber");
    buy("c-1", "climber", 9_000);
    JsonObject before = engine.get("/v1/members/climber", tenant.adminKey()).json();
    assertNull(before.getValue("tier"));
    assertEquals("silver", before.getJsonObject("nextTier").getString("code"));
    assertEquals(10, before.getJsonObject("nextTier").getLong("pointsNeeded"));

    buy("c-2", "climber", 2_000);
    JsonObject after = engine.get("/v1/members/climber", tenant.adminKey()).json();
    assertEquals("silver", after.getJsonObject("tier").getString("code"));
    assertEquals("Silver", after.getJsonObject("tier").getString("name"));
    assertEquals("gold", after.getJsonObject("nextTier").getString("code"));
    assertEquals(390, after.getJsonObject("nextTier").getLong("pointsNeeded"));
    assertEquals("silver", engine.get("/v1/members/climber/status", tenant.adminKey()).json().getJsonObject("tier").getString("code"));
    assertEquals(1, engine.queryLong("select count(*) from outbox where event_type = 'tier.changed' and payload ->> 'externalId' = 'climber'"));
  }

  @Test
  @DisplayName("a gold member earns with the gold multiplier")
  void tierMultiplierApplies() {
    engine.enrol(tenant.adminKey(), "vip");
    buy("v-1", "vip", 60_000); // 600 points: straight to gold
    assertEquals("gold", engine.get("/v1/members/vip/status", tenant.adminKey()).json().getJsonObject("tier").getString("code"));
    assertEquals(200, buy("v-2", "vip", 10_000).json().getLong("pointsEarned"), "100 points x2");
  }

  @Test
  @DisplayName("at the end of the qualification period the review lowers the tier to what the window supports")
  void reviewDowngrades() {
    engine.enrol(tenant.adminKey(), "lapsed");
    buy("l-1", "lapsed", 60_000);
    // a year passes: the earning leaves the window and the tier's period ends
    engine.execute("update ledger_entries set created_at = now() - interval '400 days' where cause_id = 'l-1'");
    engine.execute("update member_qualifying_days set day = day - 400 "
        + "where member_id = (select member_id from ledger_entries where cause_id = 'l-1')");
    engine.execute("update members set tier_valid_until = now() - interval '1 second' where external_id = 'lapsed'");
    String tenantId = tenant.id();
    engine.queryLong("select count(*) from loyalty_review_tiers(?::uuid, array['silver','gold'], array[100,500]::bigint[], 365, 100)", tenantId);
    engine.patch("/v1/members/lapsed", tenant.adminKey(), new JsonObject().put("firstName", "L")); // fresh snapshot
    assertNull(engine.get("/v1/members/lapsed/status", tenant.adminKey()).json().getValue("tier"));
  }

  @Test
  @DisplayName("qualifying points are the window's last 365 UTC days: older days leave it, a return counts against it")
  void qualifyingWindowInDays() {
    engine.enrol(tenant.adminKey(), "windowed");
    buy("w-1", "windowed", 8_000); // 80 points
    buy("w-2", "windowed", 4_000); // 40 points: 120, silver
    assertEquals(120, qualifying("windowed"));
    assertEquals(201, engine.post("/v1/transactions/w-2/returns", tenant.adminKey(), new JsonObject()
        .put("returnId", "w-2-back").put("amount", 2_000)).status()); // 20 points back
    assertEquals(100, qualifying("windowed"));
    long member = engine.queryLong("select id from members where external_id = 'windowed'");
    // today's points as if earned 364 days ago: still the window's last day
    engine.execute("update member_qualifying_days set day = day - 364 where member_id = ?", member);
    assertEquals(100, qualifying("windowed"));
    // and a day later they have left it
    engine.execute("update member_qualifying_days set day = day - 1 where member_id = ?", member);
    assertEquals(0, qualifying("windowed"));
    assertEquals(100, engine.queryLong("select sum(points) from member_qualifying_days where member_id = ?", member),
        "the rows stay; the window moves");
    // the summary matches the ledger it summarises
    assertEquals(engine.queryLong("select sum(points) from ledger_entries where member_id = ? and kind in ('earn', 'return')",
        member), engine.queryLong("select sum(points) from member_qualifying_days where member_id = ?", member));
  }

  /** The member's qualifying points as the status read shows them (each read after a write is fresh). */
  private static long qualifying(String member) {
    engine.patch("/v1/members/" + member, tenant.adminKey(), new JsonObject().put("firstName", "Q")); // fresh snapshot
    return engine.get("/v1/members/" + member, tenant.adminKey()).json().getLong("qualifyingPoints");
  }

  @Test
  @DisplayName("tier sets are validated: thresholds strictly increasing, codes unique")
  void validation() {
    Reply r = put("/v1/tiers", new JsonObject().put("qualification", new JsonObject().put("basis", "lifetime"))
        .put("tiers", new JsonArray().add(new JsonObject().put("code", "a").put("threshold", 10))
            .add(new JsonObject().put("code", "b").put("threshold", 10))));
    assertEquals(400, r.status());
    assertEquals("tiers[1].threshold", r.errorField());
    Reply basis = put("/v1/tiers", new JsonObject().put("qualification", new JsonObject().put("basis", "moon"))
        .put("tiers", new JsonArray()));
    assertEquals("qualification.basis", basis.errorField());
  }
}
