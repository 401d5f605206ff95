package org.loyaltyengine.reward;

import io.vertx.core.Future;
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

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Redemptions that stay pending (no fulfillment worker runs here) or are fulfilled from coupon pools. */
@DisplayName("Redemption: atomic, exact under concurrency, idempotent")
class RedemptionTest {
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    // one HTTP verticle and one lane: concurrent redemptions surely meet in batches (group commit)
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_HTTP_INSTANCES", "1", "LOYALTY_LEDGER_LANES", "1"));
    tenant = engine.createTenant("redemptions");
    configurePartner(engine, tenant, "giftco");
  }

  @AfterEach
  void invariantsHold() {
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  /** Gift-card rewards must name a partner the tenant configured (its URL is never called here). */
  static void configurePartner(TestEngine engine, Tenant t, String partnerId) {
    assertEquals(200, engine.send(io.vertx.core.http.HttpMethod.PUT, "/v1/partners/" + partnerId, t.adminKey(),
        "application/json", new JsonObject().put("url", "http://127.0.0.1:9/partner").toBuffer()).status());
  }

  @Test
  @DisplayName("a gift card naming a partner the tenant never configured (even one another tenant has) is 422 partner_not_configured")
  void unknownPartnerIsRefused() {
    Tenant other = engine.createTenant("redemptions-other");
    configurePartner(engine, other, "othersco");
    for (String partner : new String[] {"nobody", "othersco"}) {
      Reply r = engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-" + partner, 10).put("partner", partner));
      assertEquals(422, r.status(), r.body().toString());
      assertEquals("partner_not_configured", r.errorCode());
      assertEquals("partner", r.errorField());
      assertEquals(404, engine.get("/v1/rewards/gc-" + partner, tenant.adminKey()).status(), "nothing stored");
    }
  }

  static JsonObject giftCard(String id, long cost) {
    return new JsonObject().put("rewardId", id).put("name", "Gift card " + id).put("type", "gift_card")
        .put("costPoints", cost).put("partner", "giftco").put("partnerSku", "GC-10");
  }

  static void give(String member, long points) {
    engine.enrol(tenant.adminKey(), member);
    assertEquals(201, engine.post("/v1/members/" + member + "/adjustments", tenant.adminKey(),
        new JsonObject().put("adjustmentId", "seed-" + member).put("points", points).put("reason", "test")).status());
  }

  static JsonObject redemption(String id, String member, String reward) {
    return new JsonObject().put("redemptionId", id).put("memberExternalId", member).put("rewardId", reward).put("quantity", 1);
  }

  static long available(String member) {
    return engine.get("/v1/members/" + member + "/status", tenant.adminKey()).json().getJsonObject("points").getLong("available");
  }

  @Test
  @DisplayName("a redemption debits the points, is pending until the partner fulfils it, and reports its history")
  void redeemGiftCard() {
    assertEquals(201, engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-a", 300)).status());
    give("alice", 1_000);
    Reply r = engine.post("/v1/redemptions", tenant.adminKey(), redemption("rd-1", "alice", "gc-a"));
    assertEquals(201, r.status(), r.body().toString());
    assertEquals("pending", r.json().getString("status"));
    assertEquals(300, r.json().getLong("pointsSpent"));
    assertEquals(700, r.json().getJsonObject("balance").getLong("available"));
    assertEquals(700, available("alice"));
    JsonObject status = engine.get("/v1/redemptions/rd-1", tenant.adminKey()).json();
    assertEquals("pending", status.getString("status"));
    assertEquals(1, status.getJsonArray("history").size());
    assertEquals(1, engine.queryLong("select count(*) from fulfillment_jobs where redemption_id = 'rd-1'"));
    Reply again = engine.post("/v1/redemptions", tenant.adminKey(), redemption("rd-1", "alice", "gc-a"));
    assertEquals(200, again.status(), "a replay returns the original reply");
    assertEquals(700, available("alice"));
    Reply other = engine.post("/v1/redemptions", tenant.adminKey(), redemption("rd-1", "alice", "gc-a").put("quantity", 2));
    assertEquals(409, other.status());
    assertEquals("idempotency_conflict", other.errorCode());
  }

  @Test
  @DisplayName("1,000 concurrent redemptions from a member whose balance covers exactly 100: 100 succeed, balance 0")
  void concurrentRedemptionsNeverOverdraw() {
    engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-10", 10));
    give("hammer", 1_000);
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      replies.add(engine.postAsync("/v1/redemptions", tenant.adminKey(), redemption("h-" + i, "hammer", "gc-10")));
    }
    Future.all(replies).await();
    long ok = replies.stream().filter(f -> f.result().status() == 201).count();
    long refused = replies.stream().filter(f -> f.result().status() == 422
        && f.result().json().getJsonObject("error").getString("code").equals("insufficient_points")).count();
    assertEquals(100, ok);
    assertEquals(900, refused);
    assertEquals(0, available("hammer"));
    assertEquals(0, engine.queryLong("select count(*) from member_balances where available < 0"));
    assertEquals(100, engine.queryLong("select count(*) from redemptions where redemption_id like 'h-%'"), "refusals leave no trace");
  }

  @Test
  @DisplayName("concurrent redemptions share statements (group commit), and a refused one fails only its own request")
  void groupCommittedRedemptions() {
    assertEquals(201, engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-batch", 100)).status());
    for (int i = 0; i < 40; i++) {
      give("batch-" + i, i % 4 == 0 ? 50 : 100); // every fourth member cannot afford it
    }
    double before = batches();
    java.util.List<io.vertx.core.Future<Reply>> replies = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      replies.add(engine.postAsync("/v1/redemptions", tenant.adminKey(), redemption("rd-batch-" + i, "batch-" + i, "gc-batch")));
    }
    io.vertx.core.Future.all(replies).await();
    for (int i = 0; i < 40; i++) {
      Reply r = replies.get(i).result();
      if (i % 4 == 0) {
        assertEquals(422, r.status(), r.body().toString());
        assertEquals("insufficient_points", r.errorCode());
        assertEquals(50, available("batch-" + i), "nothing of a refused redemption stays");
      } else {
        assertEquals(201, r.status(), r.body().toString());
        assertEquals(0, r.json().getJsonObject("balance").getLong("available"));
        assertEquals(0, available("batch-" + i));
      }
    }
    assertEquals(30, engine.queryLong("select count(*) from redemptions where redemption_id like 'rd-batch-%'"));
    assertEquals(30, engine.queryLong("select count(*) from fulfillment_jobs where redemption_id like 'rd-batch-%'"));
    assertTrue(batches() > before, "some redemptions shared a statement");
    // replays answer the stored reply, whatever happened since
    Reply replay = engine.post("/v1/redemptions", tenant.adminKey(), redemption("rd-batch-1", "batch-1", "gc-batch"));
    assertEquals(200, replay.status());
    assertEquals(replies.get(1).result().json(), replay.json());
  }

  @Test
  @DisplayName("the same redemption sent 60 times at once, gift card and coupon: applied once, one row written once, every answer its reply")
  void concurrentDuplicatesApplyOnce() {
    assertEquals(201, engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-dup", 30)).status());
    engine.post("/v1/rewards", tenant.adminKey(), new JsonObject().put("rewardId", "cp-dup").put("name", "5% off")
        .put("type", "coupon_code").put("costPoints", 20));
    engine.post("/v1/rewards/cp-dup/codes", tenant.adminKey(), new JsonObject().put("codes",
        new JsonArray().add("D1").add("D2").add("D3")));
    give("dup-gc", 100);
    give("dup-cp", 100);
    for (String[] c : new String[][] {{"rd-dup-gc", "dup-gc", "gc-dup", "70"}, {"rd-dup-cp", "dup-cp", "cp-dup", "80"}}) {
      java.util.List<io.vertx.core.Future<Reply>> replies = new java.util.ArrayList<>();
      for (int i = 0; i < 60; i++) {
        replies.add(engine.postAsync("/v1/redemptions", tenant.adminKey(), redemption(c[0], c[1], c[2])));
      }
      io.vertx.core.Future.all(replies).await();
      JsonObject first = null;
      int created = 0;
      for (io.vertx.core.Future<Reply> f : replies) {
        Reply r = f.result();
        assertTrue(r.status() == 201 || r.status() == 200, r.status() + " " + r.body());
        created += r.status() == 201 ? 1 : 0;
        first = first == null ? r.json() : first;
        assertEquals(first, r.json(), "every answer is the one stored reply");
      }
      assertEquals(1, created, "applied once");
      assertEquals(Long.parseLong(c[3]), available(c[1]), "debited once");
      assertEquals(1, engine.queryLong("select count(*) from redemptions where redemption_id = ?", c[0]));
      assertEquals(1, engine.queryLong("select count(*) from ledger_entries where cause_id = ?", c[0]));
      assertEquals(1, engine.queryLong("select count(*) from outbox where payload->>'redemptionId' = ?"
          + " and event_type = 'redemption.created'", c[0]));
    }
    assertEquals(1, engine.queryLong("select count(*) from fulfillment_jobs where redemption_id = 'rd-dup-gc'"));
    assertEquals(1, engine.queryLong("select count(*) from reward_codes where redemption_id = 'rd-dup-cp'"), "one code");
    // written once: the row's only version is its insert (xmax 0: never updated, never locked)
    assertEquals(0, engine.queryLong("select count(*) from redemptions where redemption_id in ('rd-dup-gc', 'rd-dup-cp')"
        + " and xmax::text <> '0'"));
  }

  @Test
  @DisplayName("one redemption id in two transactions at once: the later waits for the earlier's commit, then undoes everything it did (LY107)")
  void concurrentDuplicateUndoesItself() throws Exception {
    assertEquals(201, engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-race", 10)).status());
    give("racer", 30);
    String call = "select outcome from loyalty_redeem(?::uuid, 'rd-race', 'h', 'racer', 'gc-race', 1)";
    try (java.sql.Connection a = engine.jdbc(); java.sql.Connection b = engine.jdbc()) {
      a.setAutoCommit(false);
      b.setAutoCommit(false);
      try (java.sql.PreparedStatement ps = a.prepareStatement(call)) {
        ps.setString(1, tenant.id());
        java.sql.ResultSet rs = ps.executeQuery();
        assertTrue(rs.next());
        assertEquals("created", rs.getString(1));
      }
      java.util.concurrent.CompletableFuture<String> later = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (java.sql.PreparedStatement ps = b.prepareStatement(call)) {
          ps.setString(1, tenant.id());
          java.sql.ResultSet rs = ps.executeQuery();
          rs.next();
          return rs.getString(1);
        } catch (java.sql.SQLException e) {
          return e.getSQLState();
        }
      });
      Thread.sleep(300);
      assertFalse(later.isDone(), "the later one waits for the earlier one's commit");
      a.commit();
      assertEquals("LY107", later.get(10, java.util.concurrent.TimeUnit.SECONDS));
      b.rollback();
    }
    assertEquals(20, engine.queryLong("select available from member_balances where member_id = (select id from members"
        + " where tenant_id = ?::uuid and external_id = 'racer')", tenant.id()), "debited once");
    assertEquals(1, engine.queryLong("select count(*) from ledger_entries where cause_id = 'rd-race'"));
    assertEquals(1, engine.queryLong("select count(*) from fulfillment_jobs where redemption_id = 'rd-race'"));
  }

  @Test
  @DisplayName("a replay is answered from the stored reply before any check: after the member is blocked, the reward withdrawn and the points spent")
  void replayBeforeAnyCheck() {
    assertEquals(201, engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-replay", 40)).status());
    give("replayer", 40);
    Reply first = engine.post("/v1/redemptions", tenant.adminKey(), redemption("rd-replay", "replayer", "gc-replay"));
    assertEquals(201, first.status(), first.body().toString());
    assertEquals(0, available("replayer"), "the points are spent");
    assertEquals(200, engine.patch("/v1/members/replayer", tenant.adminKey(), new JsonObject().put("status", "blocked")).status());
    assertEquals(200, engine.send(io.vertx.core.http.HttpMethod.DELETE, "/v1/rewards/gc-replay", tenant.adminKey(), null,
        null).status());
    Reply replay = engine.post("/v1/redemptions", tenant.adminKey(), redemption("rd-replay", "replayer", "gc-replay"));
    assertEquals(200, replay.status(), replay.body().toString());
    assertEquals(first.json(), replay.json());
    assertEquals("member_blocked", engine.post("/v1/redemptions", tenant.adminKey(),
        redemption("rd-replay-new", "replayer", "gc-replay")).errorCode(), "a new redemption is checked");
  }

  /** Statements that carried two or more redemptions so far, from the node's metrics. */
  private static double batches() {
    String metrics = engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString();
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("(?m)^loyalty_ledger_redemption_batch_size_count(\\{[^}]*})? ([0-9.Ee+]+)$").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(2)) : 0;
  }

  @Test
  @DisplayName("500 members racing for a stock of 50: exactly 50 get it, the rest are told out_of_stock")
  void stockRace() {
    engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-rare", 5).put("stock", 50));
    for (int i = 0; i < 500; i++) {
      engine.enrol(tenant.adminKey(), "racer-" + i);
    }
    List<Future<Reply>> grants = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      grants.add(engine.postAsync("/v1/members/racer-" + i + "/adjustments", tenant.adminKey(),
          new JsonObject().put("adjustmentId", "g-" + i).put("points", 5).put("reason", "race")));
    }
    Future.all(grants).await();
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      replies.add(engine.postAsync("/v1/redemptions", tenant.adminKey(), redemption("race-" + i, "racer-" + i, "gc-rare")));
    }
    Future.all(replies).await();
    assertEquals(50, replies.stream().filter(f -> f.result().status() == 201).count());
    assertEquals(450, replies.stream().filter(f -> f.result().status() == 409
        && f.result().json().getJsonObject("error").getString("code").equals("out_of_stock")).count());
    assertEquals(0, engine.get("/v1/rewards/gc-rare", tenant.adminKey()).json().getLong("stock"));
    assertEquals(450 * 5, engine.queryLong("select sum(available) from member_balances b join members m on m.id = b.member_id "
        + "where m.external_id like 'racer-%'"), "losers keep their points");
  }

  @Test
  @DisplayName("per-member limits, inactive rewards, tiers and blocked members are refused with clear codes")
  void refusals() {
    engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-once", 1)
        .put("perMemberLimit", new JsonObject().put("count", 1).put("period", "month")));
    engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-gold", 1).put("tiers", new JsonArray().add("gold")));
    engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-old", 1));
    assertEquals(200, engine.delete("/v1/rewards/gc-old", tenant.adminKey()).status());
    give("picky", 100);
    assertEquals(201, engine.post("/v1/redemptions", tenant.adminKey(), redemption("p-1", "picky", "gc-once")).status());
    assertEquals("limit_reached", engine.post("/v1/redemptions", tenant.adminKey(), redemption("p-2", "picky", "gc-once")).errorCode());
    assertEquals("reward_inactive", engine.post("/v1/redemptions", tenant.adminKey(), redemption("p-3", "picky", "gc-gold")).errorCode());
    assertEquals("reward_inactive", engine.post("/v1/redemptions", tenant.adminKey(), redemption("p-4", "picky", "gc-old")).errorCode());
    assertEquals("reward_not_found", engine.post("/v1/redemptions", tenant.adminKey(), redemption("p-5", "picky", "nope")).errorCode());
    engine.patch("/v1/members/picky", tenant.adminKey(), new JsonObject().put("status", "blocked"));
    assertEquals("member_blocked", engine.post("/v1/redemptions", tenant.adminKey(), redemption("p-6", "picky", "gc-once")).errorCode());
    assertEquals(99, available("picky"), "only the first redemption moved points");
  }

  @Test
  @DisplayName("coupon codes are handed out inside the redemption, each at most once, and run out as stock")
  void couponCodes() {
    engine.post("/v1/rewards", tenant.adminKey(), new JsonObject().put("rewardId", "cp").put("name", "10% off")
        .put("type", "coupon_code").put("costPoints", 1));
    Reply upload = engine.post("/v1/rewards/cp/codes", tenant.adminKey(),
        new JsonObject().put("codes", new JsonArray().add("A1").add("A2").add("A3").add("A1")));
    assertEquals(3, upload.json().getLong("added"), "duplicates are ignored");
    assertEquals(3, upload.json().getLong("stock"));
    give("couponer", 10);
    Set<String> handedOut = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      Reply r = engine.post("/v1/redemptions", tenant.adminKey(), redemption("cp-" + i, "couponer", "cp"));
      assertEquals("fulfilled", r.json().getString("status"));
      handedOut.add(r.json().getJsonArray("codes").getString(0));
    }
    assertEquals(Set.of("A1", "A2", "A3"), handedOut);
    assertEquals("out_of_stock", engine.post("/v1/redemptions", tenant.adminKey(), redemption("cp-9", "couponer", "cp")).errorCode());
    assertEquals(7, available("couponer"));
  }

  @Test
  @DisplayName("a member's reward list says what they can redeem now")
  void memberRewardList() {
    engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-cheap", 5));
    engine.post("/v1/rewards", tenant.adminKey(), giftCard("gc-dear", 5_000));
    give("browser", 50);
    JsonArray items = engine.get("/v1/members/browser/rewards", tenant.adminKey()).json().getJsonArray("items");
    JsonObject cheap = items.stream().map(JsonObject.class::cast).filter(o -> o.getString("rewardId").equals("gc-cheap")).findFirst().orElseThrow();
    JsonObject dear = items.stream().map(JsonObject.class::cast).filter(o -> o.getString("rewardId").equals("gc-dear")).findFirst().orElseThrow();
    assertTrue(cheap.getBoolean("canRedeem"));
    assertFalse(dear.getBoolean("affordable"));
    assertFalse(items.stream().map(JsonObject.class::cast).anyMatch(o -> o.getString("rewardId").equals("gc-gold")),
        "rewards for other tiers are not listed");
  }

  @Test
  @DisplayName("catalog entries are validated: partner rewards need a partner, coupon rewards have no stock of their own")
  void catalogValidation() {
    Reply noPartner = engine.post("/v1/rewards", tenant.adminKey(), giftCard("bad-1", 5).putNull("partner"));
    assertEquals("partner", noPartner.errorField());
    Reply couponStock = engine.post("/v1/rewards", tenant.adminKey(), new JsonObject().put("rewardId", "bad-2")
        .put("name", "x").put("type", "coupon_code").put("costPoints", 1).put("stock", 5));
    assertEquals("stock", couponStock.errorField());
    engine.post("/v1/rewards", tenant.adminKey(), giftCard("dup", 5));
    assertEquals("reward_exists", engine.post("/v1/rewards", tenant.adminKey(), giftCard("dup", 5)).errorCode());
    Reply put = engine.send(HttpMethod.PUT, "/v1/rewards/dup", tenant.adminKey(), "application/json",
        giftCard("dup", 7).toBuffer());
    assertEquals(7, put.json().getLong("costPoints"));
  }
}
