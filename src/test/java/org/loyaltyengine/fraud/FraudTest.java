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

import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fraud checks against the real engine and PostgreSQL: each tenant here configures its own checks, and
 * after every scenario the ledger invariants hold (balance = sum of entries, pending = unreleased lots).
 */
@DisplayName("Fraud: allow, hold for review, reject; approve and void move exactly the held points")
class FraudTest {
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

  // ---- fixtures (FraudTestSupport has the request bodies) ----

  static JsonObject purchase(String id, String member, long totalCents) {
    return FraudTestSupport.purchase(id, member, totalCents);
  }

  static JsonObject points(Tenant t, String member) {
    return FraudTestSupport.points(engine, t, member);
  }

  static JsonObject giftCard(String id, long cost) {
    return FraudTestSupport.giftCard(id, cost);
  }

  static JsonObject redemption(String id, String member, String reward) {
    return FraudTestSupport.redemption(id, member, reward);
  }

  /** A tenant earning one point per whole EUR, with the given fraud checks. */
  static Tenant tenant(String name, String onFailure, JsonObject... checks) {
    Tenant t = FraudTestSupport.earningTenant(engine, name);
    configure(t, onFailure, checks);
    return t;
  }

  static Reply configure(Tenant t, String onFailure, JsonObject... checks) {
    Reply r = engine.send(HttpMethod.PUT, "/v1/fraud/checks", t.adminKey(), "application/json",
        new JsonObject().put("onFailure", onFailure).put("checks", new JsonArray(java.util.List.of((Object[]) checks)))
            .toBuffer());
    assertEquals(200, r.status(), r.body().toString());
    return r;
  }

  static JsonObject check(String name, String action) {
    return new JsonObject().put("check", name).put("action", action);
  }

  static void give(Tenant t, String member, long points, String adjustmentId) {
    Reply r = engine.post("/v1/members/" + member + "/adjustments", t.adminKey(),
        new JsonObject().put("adjustmentId", adjustmentId).put("points", points).put("reason", "test"));
    assertEquals(201, r.status(), r.body().toString());
  }

  static JsonObject holds(Tenant t, String query) {
    Reply r = engine.get("/v1/fraud/holds" + query, t.adminKey());
    assertEquals(200, r.status(), r.body().toString());
    return r.json();
  }

  static Reply decide(Tenant t, String holdId, String decision) {
    return engine.post("/v1/fraud/holds/" + holdId + "/" + decision, t.adminKey(), new JsonObject().put("note", "reviewed"));
  }

  static long sumOfEntries(String member) {
    return engine.queryLong("select coalesce(sum(e.points), 0) from ledger_entries e join members m on m.id = e.member_id "
        + "where m.external_id = ?", member);
  }

  // ---- earnings ----

  @Test
  @DisplayName("a held earning's points stay pending with no release time; approving releases exactly them, once")
  void holdThenApprove() {
    Tenant t = tenant("hold-approve", "allow", check("points_per_transaction", "hold").put("max", 100));
    engine.enrol(t.adminKey(), "ann");
    Reply r = engine.post("/v1/transactions", t.adminKey(), purchase("ha-1", "ann", 50_000));
    assertEquals(201, r.status(), r.body().toString());
    assertEquals(500, r.json().getLong("pointsEarned"));
    assertEquals(500, r.json().getLong("pointsPending"));
    JsonObject review = r.json().getJsonObject("review");
    assertEquals("held", review.getString("status"));
    assertEquals("points_per_transaction", review.getJsonArray("checks").getJsonObject(0).getString("check"));
    assertEquals(0, points(t, "ann").getLong("available"));
    assertEquals(500, points(t, "ann").getLong("pending"));

    JsonObject queue = holds(t, "");
    assertEquals(1, queue.getJsonArray("items").size());
    JsonObject hold = queue.getJsonArray("items").getJsonObject(0);
    assertEquals("earning", hold.getString("kind"));
    assertEquals(500, hold.getLong("points"));
    assertEquals("ha-1", hold.getJsonObject("cause").getString("id"));
    assertNull(queue.getValue("nextCursor"));

    Reply approved = decide(t, hold.getString("holdId"), "approve");
    assertEquals(200, approved.status(), approved.body().toString());
    assertEquals("approved", approved.json().getString("status"));
    assertEquals("reviewed", approved.json().getString("note"));
    assertNotNull(approved.json().getString("decidedBy"));
    assertEquals(500, points(t, "ann").getLong("available"));
    assertEquals(0, points(t, "ann").getLong("pending"));

    Reply again = decide(t, hold.getString("holdId"), "approve");
    assertEquals(200, again.status(), "deciding the same way again is a no-op");
    assertEquals(500, points(t, "ann").getLong("available"), "approved twice, released once");
    Reply voidAfter = decide(t, hold.getString("holdId"), "void");
    assertEquals(409, voidAfter.status());
    assertEquals("hold_decided", voidAfter.errorCode());
    assertEquals(500, sumOfEntries("ann"));
    assertEquals(0, holds(t, "").getJsonArray("items").size(), "no longer in the queue");
    assertEquals(1, holds(t, "?status=approved").getJsonArray("items").size());
    assertEquals(2, engine.queryLong("select count(*) from audit_log where path like '/v1/fraud/holds/%/approve' "
        + "and tenant_id = ?::uuid", t.id()), "both answered approvals are in the audit trail; the refused void is not");
  }

  @Test
  @DisplayName("approving restores a held lot's own release time: with a pending period it stays pending until then")
  void approveKeepsPendingPeriod() {
    Tenant t = tenant("hold-pending", "allow", check("points_per_transaction", "hold").put("max", 10));
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/settings", t.adminKey(), "application/json",
        new JsonObject().put("pendingDays", 14).put("expiry", new JsonObject().put("policy", "never")).toBuffer()).status());
    engine.enrol(t.adminKey(), "pia");
    Reply r = engine.post("/v1/transactions", t.adminKey(), purchase("hp-1", "pia", 2_000));
    assertEquals(201, r.status(), r.body().toString());
    String holdId = r.json().getJsonObject("review").getString("holdId");
    assertEquals(200, decide(t, holdId, "approve").status());
    assertEquals(0, points(t, "pia").getLong("available"));
    assertEquals(20, points(t, "pia").getLong("pending"));
    assertEquals(0, engine.queryLong("select count(*) from point_lots where cause_id = 'hp-1' and available_at > now() + interval '15 days'"),
        "the lot waits for its 14 days, not forever");
  }

  @Test
  @DisplayName("voiding a held earning grants none of its points; a replay answers the stored reply showing the decision")
  void holdThenVoid() {
    Tenant t = tenant("hold-void", "allow", check("points_per_transaction", "hold").put("max", 100));
    engine.enrol(t.adminKey(), "vic");
    give(t, "vic", 40, "vic-seed");
    long lifetimeBefore = points(t, "vic").getLong("lifetimeEarned");
    JsonObject body = purchase("hv-1", "vic", 30_000);
    Reply r = engine.post("/v1/transactions", t.adminKey(), body);
    assertEquals(201, r.status(), r.body().toString());
    String holdId = r.json().getJsonObject("review").getString("holdId");
    assertEquals(lifetimeBefore, points(t, "vic").getLong("lifetimeEarned"), "held points are not earned yet");
    assertEquals(lifetimeBefore, r.json().getJsonObject("balance").getLong("lifetimeEarned"));

    Reply voided = decide(t, holdId, "void");
    assertEquals(200, voided.status(), voided.body().toString());
    assertEquals("voided", voided.json().getString("status"));
    assertEquals(40, points(t, "vic").getLong("available"), "only the adjustment is spendable");
    assertEquals(0, points(t, "vic").getLong("pending"));
    assertEquals(lifetimeBefore, points(t, "vic").getLong("lifetimeEarned"), "never earned, so nothing to take back");
    assertEquals(40, sumOfEntries("vic"));
    assertEquals(-300, engine.queryLong("select points from ledger_entries where kind = 'void' and cause_id = ?", holdId));
    assertEquals(200, decide(t, holdId, "void").status(), "voiding twice is a no-op");
    assertEquals(40, sumOfEntries("vic"));

    Reply replay = engine.post("/v1/transactions", t.adminKey(), body);
    assertEquals(200, replay.status());
    assertEquals("voided", replay.json().getJsonObject("review").getString("status"));
    Reply returned = engine.post("/v1/transactions/hv-1/returns", t.adminKey(),
        new JsonObject().put("returnId", "hv-1-r").put("amount", 30_000));
    assertEquals(201, returned.status(), returned.body().toString());
    assertEquals(0, returned.json().getLong("pointsReturned"), "a return of a voided purchase takes nothing back");
    assertEquals(40, points(t, "vic").getLong("available"));
  }

  @Test
  @DisplayName("reject answers 422 fraud_rejected naming the check, and writes nothing")
  void reject() {
    Tenant t = tenant("reject", "allow", check("points_per_transaction", "reject").put("max", 100));
    engine.enrol(t.adminKey(), "rob");
    Reply r = engine.post("/v1/transactions", t.adminKey(), purchase("rj-1", "rob", 50_000));
    assertEquals(422, r.status());
    assertEquals("fraud_rejected", r.errorCode());
    assertTrue(r.json().getJsonObject("error").getString("message").contains("points_per_transaction"));
    assertEquals(0, engine.queryLong("select count(*) from transactions where transaction_id = 'rj-1'"));
    assertEquals(0, sumOfEntries("rob"));
    Reply small = engine.post("/v1/transactions", t.adminKey(), purchase("rj-2", "rob", 5_000));
    assertEquals(201, small.status(), "under the limit the purchase earns as usual");
    assertEquals(50, points(t, "rob").getLong("available"));
    assertNull(small.json().getValue("review"));
  }

  @Test
  @DisplayName("allow lets the write through as usual even when its check fires")
  void allowAction() {
    Tenant t = tenant("allow", "allow", check("points_per_transaction", "allow").put("max", 1));
    engine.enrol(t.adminKey(), "al");
    Reply r = engine.post("/v1/transactions", t.adminKey(), purchase("al-1", "al", 10_000));
    assertEquals(201, r.status());
    assertEquals(100, points(t, "al").getLong("available"));
    assertEquals(0, engine.queryLong("select count(*) from fraud_holds where cause_id = 'al-1'"));
  }

  @Test
  @DisplayName("earnings per member per window: the third purchase within the hour is held")
  void earningsPerMember() {
    Tenant t = tenant("velocity", "allow", check("earnings_per_member", "hold").put("max", 2).put("windowMinutes", 60));
    engine.enrol(t.adminKey(), "eve");
    assertNull(engine.post("/v1/transactions", t.adminKey(), purchase("ev-1", "eve", 1_000)).json().getValue("review"));
    assertNull(engine.post("/v1/transactions", t.adminKey(), purchase("ev-2", "eve", 1_000)).json().getValue("review"));
    Reply third = engine.post("/v1/transactions", t.adminKey(), purchase("ev-3", "eve", 1_000));
    assertEquals("held", third.json().getJsonObject("review").getString("status"));
    assertEquals(20, points(t, "eve").getLong("available"));
    assertEquals(10, points(t, "eve").getLong("pending"));
  }

  @Test
  @DisplayName("points per member per day: the earning that would pass the daily limit is rejected")
  void pointsPerDay() {
    Tenant t = tenant("daily", "allow", check("points_per_member_per_day", "reject").put("max", 150));
    engine.enrol(t.adminKey(), "dan");
    assertEquals(201, engine.post("/v1/transactions", t.adminKey(), purchase("dd-1", "dan", 10_000)).status());
    Reply over = engine.post("/v1/transactions", t.adminKey(), purchase("dd-2", "dan", 6_000));
    assertEquals(422, over.status());
    assertTrue(over.json().getJsonObject("error").getString("message").contains("points_per_member_per_day"));
    assertEquals(201, engine.post("/v1/transactions", t.adminKey(), purchase("dd-3", "dan", 5_000)).status(),
        "exactly up to the limit is fine");
  }

  @Test
  @DisplayName("the same member buying in Warsaw and then in Madrid within minutes is held; nearby is not")
  void distantStores() {
    Tenant t = tenant("geo", "allow", check("distant_stores", "hold").put("distanceKm", 300).put("windowMinutes", 30));
    engine.enrol(t.adminKey(), "geo");
    JsonObject warsaw = new JsonObject().put("lat", 52.2297).put("lon", 21.0122);
    JsonObject krakow = new JsonObject().put("lat", 50.0647).put("lon", 19.9450);
    JsonObject madrid = new JsonObject().put("lat", 40.4168).put("lon", -3.7038);
    assertEquals(201, engine.post("/v1/transactions", t.adminKey(),
        purchase("g-1", "geo", 1_000).put("storeId", "WAW-1").put("location", warsaw)).status());
    Reply near = engine.post("/v1/transactions", t.adminKey(),
        purchase("g-2", "geo", 1_000).put("storeId", "KRK-1").put("location", krakow));
    assertNull(near.json().getValue("review"), near.body().toString());
    Reply far = engine.post("/v1/transactions", t.adminKey(),
        purchase("g-3", "geo", 1_000).put("storeId", "MAD-1").put("location", madrid));
    assertEquals("held", far.json().getJsonObject("review").getString("status"), far.body().toString());
    assertEquals(400, engine.post("/v1/transactions", t.adminKey(),
        purchase("g-4", "geo", 1_000).put("location", new JsonObject().put("lat", 91).put("lon", 0))).status());
  }

  // ---- redemptions ----

  @Test
  @DisplayName("a redemption soon after a large adjustment waits unsent; approving lets fulfillment proceed")
  void heldRedemptionApproved() {
    Tenant t = tenant("redeem-approve", "allow",
        check("redemption_after_adjustment", "hold").put("minPoints", 1_000).put("windowMinutes", 60));
    engine.post("/v1/rewards", t.adminKey(), giftCard("gc", 300));
    engine.enrol(t.adminKey(), "rae");
    give(t, "rae", 5_000, "rae-big");
    Reply r = engine.post("/v1/redemptions", t.adminKey(), redemption("ra-1", "rae", "gc"));
    assertEquals(201, r.status(), r.body().toString());
    assertEquals("held", r.json().getString("status"));
    assertEquals(4_700, points(t, "rae").getLong("available"));
    assertEquals(0, engine.queryLong("select count(*) from fulfillment_jobs where redemption_id = 'ra-1' "
        + "and status = 'queued' and next_attempt_at <= now()"), "not sent to fulfillment while held");
    assertEquals("held", engine.get("/v1/redemptions/ra-1", t.adminKey()).json().getString("status"));

    String holdId = r.json().getJsonObject("review").getString("holdId");
    Reply approved = decide(t, holdId, "approve");
    assertEquals(200, approved.status(), approved.body().toString());
    assertEquals(1, engine.queryLong("select count(*) from fulfillment_jobs where redemption_id = 'ra-1' "
        + "and status = 'queued' and next_attempt_at <= now()"), "the fulfillment job is due now");
    assertEquals("pending", engine.get("/v1/redemptions/ra-1", t.adminKey()).json().getString("status"));
    assertEquals(4_700, points(t, "rae").getLong("available"), "approval moves no points");
  }

  @Test
  @DisplayName("voiding a held redemption refunds exactly its points and cancels its fulfillment")
  void heldRedemptionVoided() {
    Tenant t = tenant("redeem-void", "allow",
        check("redemption_after_adjustment", "hold").put("minPoints", 1_000).put("windowMinutes", 60));
    engine.post("/v1/rewards", t.adminKey(), giftCard("gc", 300).put("stock", 5));
    engine.enrol(t.adminKey(), "ray");
    give(t, "ray", 2_000, "ray-big");
    Reply r = engine.post("/v1/redemptions", t.adminKey(), redemption("rv-1", "ray", "gc").put("quantity", 2));
    assertEquals("held", r.json().getString("status"), r.body().toString());
    assertEquals(1_400, points(t, "ray").getLong("available"));
    Reply voided = decide(t, r.json().getJsonObject("review").getString("holdId"), "void");
    assertEquals(200, voided.status(), voided.body().toString());
    assertEquals(2_000, points(t, "ray").getLong("available"), "all 600 points back");
    assertEquals(2_000, sumOfEntries("ray"));
    JsonObject status = engine.get("/v1/redemptions/rv-1", t.adminKey()).json();
    assertEquals("failed", status.getString("status"));
    assertEquals("fraud_voided", status.getString("failureReason"));
    assertEquals(600, status.getLong("pointsRefunded"));
    assertEquals(5, engine.queryLong("select stock from rewards where reward_id = 'gc' and tenant_id = ?::uuid", t.id()));
    assertEquals(1, engine.queryLong("select count(*) from fulfillment_jobs where redemption_id = 'rv-1' and status = 'done'"));
    assertEquals(200, decide(t, r.json().getJsonObject("review").getString("holdId"), "void").status());
    assertEquals(2_000, points(t, "ray").getLong("available"), "refunded once");
  }

  @Test
  @DisplayName("a held coupon redemption keeps its codes back until approved; a void frees them for others")
  void heldCoupons() {
    Tenant t = tenant("redeem-coupon", "allow",
        check("redemption_after_adjustment", "hold").put("minPoints", 100).put("windowMinutes", 60));
    engine.post("/v1/rewards", t.adminKey(), new JsonObject().put("rewardId", "cp").put("name", "10% off")
        .put("type", "coupon_code").put("costPoints", 1));
    engine.post("/v1/rewards/cp/codes", t.adminKey(), new JsonObject().put("codes", new JsonArray().add("C1").add("C2")));
    engine.enrol(t.adminKey(), "cat");
    give(t, "cat", 100, "cat-seed");
    Reply a = engine.post("/v1/redemptions", t.adminKey(), redemption("cp-1", "cat", "cp"));
    assertEquals("held", a.json().getString("status"));
    assertNull(a.json().getValue("codes"));
    assertNull(engine.get("/v1/redemptions/cp-1", t.adminKey()).json().getValue("codes"));
    assertEquals(0, engine.queryLong("select count(*) from outbox where event_type = 'redemption.fulfilled' "
        + "and payload ->> 'redemptionId' = 'cp-1'"));
    assertEquals(1, engine.queryLong("select count(*) from outbox where event_type = 'redemption.created' "
        + "and payload ->> 'redemptionId' = 'cp-1' and payload ->> 'status' = 'held'"));
    Reply approved = decide(t, a.json().getJsonObject("review").getString("holdId"), "approve");
    assertEquals(200, approved.status());
    JsonObject after = engine.get("/v1/redemptions/cp-1", t.adminKey()).json();
    assertEquals("fulfilled", after.getString("status"));
    assertEquals(1, after.getJsonArray("codes").size());

    Reply b = engine.post("/v1/redemptions", t.adminKey(), redemption("cp-2", "cat", "cp"));
    assertEquals("held", b.json().getString("status"));
    assertEquals(200, decide(t, b.json().getJsonObject("review").getString("holdId"), "void").status());
    assertEquals(99, points(t, "cat").getLong("available"));
    assertEquals(1, engine.queryLong("select count(*) from reward_codes where reward_id = 'cp' and redemption_id is null "
        + "and tenant_id = ?::uuid", t.id()), "the voided code is free again");
  }

  @Test
  @DisplayName("redemptions per member: the second within the window is rejected and debits nothing")
  void redemptionsPerMember() {
    Tenant t = tenant("redeem-velocity", "allow",
        check("redemptions_per_member", "reject").put("max", 1).put("windowMinutes", 60));
    engine.post("/v1/rewards", t.adminKey(), giftCard("gc", 100));
    engine.enrol(t.adminKey(), "rod");
    give(t, "rod", 1_000, "rod-seed");
    assertEquals(201, engine.post("/v1/redemptions", t.adminKey(), redemption("rp-1", "rod", "gc")).status());
    Reply second = engine.post("/v1/redemptions", t.adminKey(), redemption("rp-2", "rod", "gc"));
    assertEquals(422, second.status());
    assertEquals("fraud_rejected", second.errorCode());
    assertEquals(900, points(t, "rod").getLong("available"));
    assertEquals(0, engine.queryLong("select count(*) from redemptions where redemption_id = 'rp-2'"));
    assertEquals(200, engine.post("/v1/redemptions", t.adminKey(), redemption("rp-1", "rod", "gc")).status(),
        "the first one's replay still gets its stored reply, although a new one would now be refused");
  }

  @Test
  @DisplayName("many members redeeming from one device: the one past the limit is rejected")
  void membersPerDevice() {
    Tenant t = tenant("device", "allow", check("members_per_device", "reject").put("max", 2).put("windowMinutes", 60));
    engine.post("/v1/rewards", t.adminKey(), giftCard("gc", 10));
    for (String m : new String[] {"d1", "d2", "d3", "d4"}) {
      engine.enrol(t.adminKey(), m);
      give(t, m, 100, m + "-seed");
    }
    assertEquals(201, engine.post("/v1/redemptions", t.adminKey(), redemption("dv-1", "d1", "gc").put("deviceId", "phone-7")).status());
    assertEquals(201, engine.post("/v1/redemptions", t.adminKey(), redemption("dv-2", "d2", "gc").put("deviceId", "phone-7")).status());
    Reply third = engine.post("/v1/redemptions", t.adminKey(), redemption("dv-3", "d3", "gc").put("deviceId", "phone-7"));
    assertEquals(422, third.status());
    assertTrue(third.json().getJsonObject("error").getString("message").contains("members_per_device"));
    assertEquals(201, engine.post("/v1/redemptions", t.adminKey(), redemption("dv-4", "d4", "gc").put("deviceId", "tablet-1")).status());
    assertEquals(201, engine.post("/v1/redemptions", t.adminKey(), redemption("dv-5", "d1", "gc").put("deviceId", "phone-7")).status(),
        "a member already counted on the device is not a new one");
  }

  // ---- replays, configuration, queue ----

  @Test
  @DisplayName("a replay of a held purchase returns its stored reply, even after the checks changed to reject")
  void replayFirst() {
    Tenant t = tenant("replay", "allow", check("points_per_transaction", "hold").put("max", 10));
    engine.enrol(t.adminKey(), "ray");
    JsonObject body = purchase("rp-1", "ray", 5_000);
    Reply first = engine.post("/v1/transactions", t.adminKey(), body);
    assertEquals(201, first.status());
    configure(t, "allow", check("points_per_transaction", "reject").put("max", 10));
    Reply replay = engine.post("/v1/transactions", t.adminKey(), body);
    assertEquals(200, replay.status(), replay.body().toString());
    assertEquals(first.json(), replay.json());
    Reply other = engine.post("/v1/transactions", t.adminKey(), purchase("rp-1", "ray", 6_000));
    assertEquals(409, other.status());
    assertEquals("idempotency_conflict", other.errorCode());
    assertEquals(1, engine.queryLong("select count(*) from fraud_holds where cause_id = 'rp-1'"));
  }

  @Test
  @DisplayName("the checks are versioned configuration: GET shows the active one; bad bodies get 400 with the field")
  void configuration() {
    Tenant t = tenant("config", "hold", check("points_per_transaction", "hold").put("max", 10));
    JsonObject active = engine.get("/v1/fraud/checks", t.adminKey()).json();
    assertEquals(1, active.getInteger("version"));
    assertEquals("hold", active.getString("onFailure"));
    Reply v2 = configure(t, "allow");
    assertEquals(2, v2.json().getInteger("version"));
    assertEquals(0, engine.get("/v1/fraud/checks", t.adminKey()).json().getJsonArray("checks").size());
    Reply bad = engine.send(HttpMethod.PUT, "/v1/fraud/checks", t.adminKey(), "application/json",
        new JsonObject().put("checks", new JsonArray().add(check("earnings_per_member", "hold").put("max", 1))).toBuffer());
    assertEquals(400, bad.status());
    assertEquals("checks[0].windowMinutes", bad.errorField());
    String posKey = engine.createKey(t.adminKey(), "pos");
    assertEquals(403, engine.send(HttpMethod.PUT, "/v1/fraud/checks", posKey, "application/json",
        new JsonObject().put("checks", new JsonArray()).toBuffer()).status());
    assertEquals(404, engine.post("/v1/fraud/holds/999999/approve", t.adminKey(), new JsonObject()).status());
    assertEquals("hold_not_found", engine.post("/v1/fraud/holds/abc/void", t.adminKey(), new JsonObject()).errorCode());
    assertEquals("invalid_cursor", engine.get("/v1/fraud/holds?cursor=zzz", t.adminKey()).errorCode());
    assertEquals("invalid_query", engine.get("/v1/fraud/holds?status=maybe", t.adminKey()).errorCode());
  }

  @Test
  @DisplayName("the review queue pages with items and nextCursor, oldest first, each hold once")
  void queuePaging() {
    Tenant t = tenant("paging", "allow", check("points_per_transaction", "hold").put("max", 1));
    engine.enrol(t.adminKey(), "pat");
    for (int i = 0; i < 5; i++) {
      assertEquals(201, engine.post("/v1/transactions", t.adminKey(), purchase("pg-" + i, "pat", 1_000)).status());
    }
    Set<String> seen = new HashSet<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = holds(t, "?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
      page.getJsonArray("items").forEach(h -> assertTrue(seen.add(((JsonObject) h).getString("holdId"))));
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null);
    assertEquals(5, seen.size());
    assertEquals(3, pages);
    assertEquals(50, points(t, "pat").getLong("pending"));
  }

  @Test
  @DisplayName("checks are per tenant: another tenant's purchases are not looked at")
  void perTenant() {
    tenant("strict", "allow", check("points_per_transaction", "reject").put("max", 1));
    Tenant relaxed = tenant("relaxed", "allow");
    engine.enrol(relaxed.adminKey(), "rel");
    assertEquals(201, engine.post("/v1/transactions", relaxed.adminKey(), purchase("pt-1", "rel", 100_000)).status());
    assertEquals(1_000, points(relaxed, "rel").getLong("available"));
  }

  @Test
  @DisplayName("20 concurrent approvals and voids of one hold: one decision wins, its points move once")
  void concurrentDecisions() {
    Tenant t = tenant("race", "allow", check("points_per_transaction", "hold").put("max", 1));
    engine.enrol(t.adminKey(), "rex");
    Reply r = engine.post("/v1/transactions", t.adminKey(), purchase("rc-1", "rex", 7_000));
    String holdId = r.json().getJsonObject("review").getString("holdId");
    java.util.List<io.vertx.core.Future<Reply>> replies = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(engine.postAsync("/v1/fraud/holds/" + holdId + "/" + (i % 2 == 0 ? "approve" : "void"), t.adminKey(),
          new JsonObject()));
    }
    io.vertx.core.Future.join(replies).await();
    String status = holds(t, "?status=all").getJsonArray("items").getJsonObject(0).getString("status");
    long ok = replies.stream().filter(f -> f.result().status() == 200).count();
    long refused = replies.stream().filter(f -> f.result().status() == 409).count();
    assertEquals(10, ok, "every call of the winning decision answers 200");
    assertEquals(10, refused, "every call of the other decision answers 409 hold_decided");
    assertEquals(status.equals("approved") ? 70 : 0, points(t, "rex").getLong("available"));
    assertEquals(0, points(t, "rex").getLong("pending"));
    assertEquals(status.equals("approved") ? 70 : 0, sumOfEntries("rex"));
  }

  @Test
  @DisplayName("custom events are screened too: the event past the velocity limit is held, then approved and released")
  void heldCustomEvent() {
    Tenant t = engine.createTenant("events");
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), "application/json",
        new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("id", "login").put("trigger", "event")
            .put("conditions", new JsonObject().put("eventType", "app_login"))
            .put("award", new JsonObject().put("type", "fixed").put("points", 5)))).toBuffer()).status());
    configure(t, "allow", check("earnings_per_member", "hold").put("max", 1).put("windowMinutes", 60));
    engine.enrol(t.adminKey(), "evan");
    String at = Instant.now().minusSeconds(10).toString();
    JsonObject first = new JsonObject().put("eventId", "ce-1").put("type", "app_login").put("occurredAt", at);
    assertNull(engine.post("/v1/members/evan/events", t.adminKey(), first).json().getValue("review"));
    JsonObject second = first.copy().put("eventId", "ce-2");
    Reply held = engine.post("/v1/members/evan/events", t.adminKey(), second);
    assertEquals(201, held.status(), held.body().toString());
    assertEquals("held", held.json().getJsonObject("review").getString("status"));
    assertEquals(5, points(t, "evan").getLong("available"));
    assertEquals(5, points(t, "evan").getLong("pending"));
    assertEquals(200, decide(t, held.json().getJsonObject("review").getString("holdId"), "approve").status());
    assertEquals(10, points(t, "evan").getLong("available"));
    Reply replay = engine.post("/v1/members/evan/events", t.adminKey(), second);
    assertEquals(200, replay.status());
    assertEquals("approved", replay.json().getJsonObject("review").getString("status"));
  }
}
