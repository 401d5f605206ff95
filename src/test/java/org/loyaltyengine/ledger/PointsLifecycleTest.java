package org.loyaltyengine.ledger;

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

import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.ledger.EarningFixtures.onePointPerEuro;
import static org.loyaltyengine.ledger.EarningFixtures.purchase;

/** Returns, adjustments, custom events, pending points and expiry: every way points move after earning. */
@DisplayName("Points after earning: returns, adjustments, events, pending and expiry")
class PointsLifecycleTest {
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false"));
    tenant = engine.createTenant("lifecycle");
    JsonObject rules = onePointPerEuro();
    rules.getJsonArray("rules").add(new JsonObject().put("id", "login").put("trigger", "event")
        .put("conditions", new JsonObject().put("eventType", "app_login"))
        .put("award", new JsonObject().put("type", "fixed").put("points", 5))
        .put("caps", new JsonObject().put("day", 10)));
    assertEquals(200, put("/v1/earning-rules", rules).status());
  }

  @AfterEach
  void invariantsHold() {
    assertEquals(0, engine.ledgerInvariantViolations(), "balance = ledger sum = lots, for every member");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  static Reply put(String path, JsonObject body) {
    return engine.send(HttpMethod.PUT, path, tenant.adminKey(), "application/json", body.toBuffer());
  }

  static JsonObject points(String member) {
    return engine.get("/v1/members/" + member + "/status", tenant.adminKey()).json().getJsonObject("points");
  }

  static Reply adjust(String member, String id, long points) {
    return engine.post("/v1/members/" + member + "/adjustments", tenant.adminKey(),
        new JsonObject().put("adjustmentId", id).put("points", points).put("reason", "test"));
  }

  static JsonObject basket(String transactionId, String member) {
    // two lines: 3 x SKU-A for 30.00 and 1 x SKU-B for 70.00, 100 points in all
    return purchase(transactionId, member, 10_000).put("items", new JsonArray()
        .add(new JsonObject().put("sku", "SKU-A").put("quantity", 3).put("amount", 3_000))
        .add(new JsonObject().put("sku", "SKU-B").put("quantity", 1).put("amount", 7_000)));
  }

  @Test
  @DisplayName("returning part of a purchase takes back the points earned on that part, pro rata")
  void partialReturn() {
    engine.enrol(tenant.adminKey(), "returner");
    engine.post("/v1/transactions", tenant.adminKey(), basket("r-1", "returner"));
    Reply r = engine.post("/v1/transactions/r-1/returns", tenant.adminKey(), new JsonObject().put("returnId", "ret-1")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-A").put("quantity", 1))));
    assertEquals(201, r.status(), r.body().toString());
    assertEquals(1_000, r.json().getLong("amount"));
    assertEquals(10, r.json().getLong("pointsReturned"));
    assertEquals(90, points("returner").getLong("available"));
    Reply again = engine.post("/v1/transactions/r-1/returns", tenant.adminKey(), new JsonObject().put("returnId", "ret-1")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-A").put("quantity", 1))));
    assertEquals(200, again.status(), "a replayed return is answered, not applied twice");
    assertEquals(90, points("returner").getLong("available"));
  }

  @Test
  @DisplayName("20 concurrent returns of one purchase: none answered 5xx, and the ledger takes back exactly what the accepted ones returned")
  void concurrentReturns() {
    engine.enrol(tenant.adminKey(), "rush");
    assertEquals(201, engine.post("/v1/transactions", tenant.adminKey(), purchase("r-rush", "rush", 10_000)).status());
    java.util.List<io.vertx.core.Future<Reply>> replies = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(engine.postAsync("/v1/transactions/r-rush/returns", tenant.adminKey(),
          new JsonObject().put("returnId", "rush-" + i).put("amount", 100)));
    }
    io.vertx.core.Future.join(replies).await();
    long accepted = 0;
    for (io.vertx.core.Future<Reply> f : replies) {
      Reply r = f.result();
      assertTrue(r.status() == 201 || r.status() == 409, r.status() + " " + r.body());
      if (r.status() == 409) {
        assertEquals("return_conflict", r.errorCode());
      } else {
        accepted++;
      }
    }
    assertTrue(accepted >= 1);
    assertEquals(100 * accepted, engine.queryLong("select returned_amount from transactions where transaction_id = 'r-rush'"));
    assertEquals(accepted, engine.queryLong("select count(*) from point_returns where transaction_id = 'r-rush'"));
    assertEquals(100 - accepted, points("rush").getLong("available"), "1 point back per accepted return of 1 %");
  }

  @Test
  @DisplayName("partial returns never take back more than was earned, whatever the rounding")
  void returnsAddUpToTheWhole() {
    engine.enrol(tenant.adminKey(), "thirds");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("r-3", "thirds", 1_000)); // 10 points
    for (int i = 0; i < 3; i++) {
      long amount = i < 2 ? 333 : 334;
      assertEquals(201, engine.post("/v1/transactions/r-3/returns", tenant.adminKey(),
          new JsonObject().put("returnId", "third-" + i).put("amount", amount)).status());
    }
    assertEquals(0, points("thirds").getLong("available"));
    assertEquals(0, points("thirds").getLong("lifetimeEarned"));
    Reply more = engine.post("/v1/transactions/r-3/returns", tenant.adminKey(), new JsonObject().put("returnId", "x").put("amount", 1));
    assertEquals(422, more.status());
    assertEquals("return_exceeds_purchase", more.errorCode());
  }

  @Test
  @DisplayName("returning more units than were bought is 422 and changes nothing")
  void returnBeyondPurchase() {
    engine.enrol(tenant.adminKey(), "greedy");
    engine.post("/v1/transactions", tenant.adminKey(), basket("r-4", "greedy"));
    Reply r = engine.post("/v1/transactions/r-4/returns", tenant.adminKey(), new JsonObject().put("returnId", "g-1")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-B").put("quantity", 2))));
    assertEquals(422, r.status());
    assertEquals("return_exceeds_purchase", r.errorCode());
    assertEquals("items[0].quantity", r.errorField());
    Reply unknownSku = engine.post("/v1/transactions/r-4/returns", tenant.adminKey(), new JsonObject().put("returnId", "g-2")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-Z").put("quantity", 1))));
    assertEquals("item_not_in_purchase", unknownSku.errorCode());
    assertEquals(100, points("greedy").getLong("available"));
    assertEquals(404, engine.post("/v1/transactions/nope/returns", tenant.adminKey(),
        new JsonObject().put("returnId", "g-3").put("amount", 1)).status());
  }

  @Test
  @DisplayName("a return after the points were spent leaves a visible negative balance, repaid by later earnings")
  void returnAfterSpendGoesNegative() {
    engine.enrol(tenant.adminKey(), "spender");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("r-5", "spender", 10_000)); // 100 points
    assertEquals(201, adjust("spender", "spend-all", -100).status()); // spent, as a redemption would
    Reply r = engine.post("/v1/transactions/r-5/returns", tenant.adminKey(), new JsonObject().put("returnId", "back").put("amount", 10_000));
    assertEquals(201, r.status());
    assertEquals(-100, points("spender").getLong("available"));
    assertEquals(-100, engine.get("/v1/members/spender", tenant.adminKey()).json().getJsonObject("points").getLong("available"));
    assertTrue(!engine.get("/v1/members/spender/status", tenant.adminKey()).json().getBoolean("canRedeem"));
    engine.post("/v1/transactions", tenant.adminKey(), purchase("r-6", "spender", 15_000)); // 150 points repay the debt
    assertEquals(50, points("spender").getLong("available"));
  }

  @Test
  @DisplayName("adjustments credit and debit, refuse to overdraw, and are idempotent by adjustmentId")
  void adjustments() {
    engine.enrol(tenant.adminKey(), "adjusted");
    assertEquals(201, adjust("adjusted", "a-1", 40).status());
    assertEquals(200, adjust("adjusted", "a-1", 40).status());
    assertEquals(409, adjust("adjusted", "a-1", 41).status());
    Reply overdraw = adjust("adjusted", "a-2", -41);
    assertEquals(422, overdraw.status());
    assertEquals("insufficient_points", overdraw.errorCode());
    assertEquals(201, adjust("adjusted", "a-3", -40).status());
    assertEquals(0, points("adjusted").getLong("available"));
    JsonArray ledger = engine.get("/v1/members/adjusted/ledger", tenant.adminKey()).json().getJsonArray("items");
    assertEquals(2, ledger.size());
    assertEquals(-40, ledger.getJsonObject(0).getLong("points"), "newest first");
    assertEquals("adjust", ledger.getJsonObject(0).getString("kind"));
  }

  @Test
  @DisplayName("custom events earn by event rules, are idempotent by eventId, and respect the daily cap")
  void customEvents() {
    engine.enrol(tenant.adminKey(), "app-user");
    String at = Instant.now().minusSeconds(10).toString();
    JsonObject login = new JsonObject().put("eventId", "e-1").put("type", "app_login").put("occurredAt", at);
    Reply first = engine.post("/v1/members/app-user/events", tenant.adminKey(), login);
    assertEquals(201, first.status(), first.body().toString());
    assertEquals(5, first.json().getLong("pointsEarned"));
    assertEquals(200, engine.post("/v1/members/app-user/events", tenant.adminKey(), login).status());
    engine.post("/v1/members/app-user/events", tenant.adminKey(), login.copy().put("eventId", "e-2"));
    Reply capped = engine.post("/v1/members/app-user/events", tenant.adminKey(), login.copy().put("eventId", "e-3"));
    assertEquals(0, capped.json().getLong("pointsEarned"), "the day's cap of 10 is reached");
    assertEquals(10, points("app-user").getLong("available"));
    Reply other = engine.post("/v1/members/app-user/events", tenant.adminKey(),
        login.copy().put("eventId", "e-4").put("type", "review_written"));
    assertEquals(0, other.json().getLong("pointsEarned"), "no rule for this event type");
  }

  @Test
  @DisplayName("pending points become available at their time, exactly once, however many jobs run")
  void pendingRelease() throws Exception {
    assertEquals(200, put("/v1/settings", new JsonObject().put("pendingDays", 14)
        .put("expiry", new JsonObject().put("policy", "never"))).status());
    try {
      engine.enrol(tenant.adminKey(), "patient");
      Reply r = engine.post("/v1/transactions", tenant.adminKey(), purchase("pd-1", "patient", 5_000));
      assertEquals(50, r.json().getLong("pointsPending"));
      assertEquals(0, points("patient").getLong("available"));
      assertEquals(50, points("patient").getLong("pending"));
      // the return window passes
      engine.execute("update point_lots set available_at = now() - interval '1 second' where cause_id = 'pd-1'");
      for (int i = 0; i < 3; i++) {
        engine.queryLong("select count(*) from loyalty_release_due(100)");
      }
      engine.execute("update member_balances set version = version + 1 where member_id = (select id from members where external_id = 'patient')");
      engine.patch("/v1/members/patient", tenant.adminKey(), new JsonObject().put("firstName", "P")); // refresh cache
      assertEquals(50, points("patient").getLong("available"));
      assertEquals(0, points("patient").getLong("pending"));
    } finally {
      put("/v1/settings", new JsonObject().put("pendingDays", 0).put("expiry", new JsonObject().put("policy", "never")));
    }
  }

  @Test
  @DisplayName("spending takes the oldest-expiring points first")
  void spendingOrder() {
    engine.enrol(tenant.adminKey(), "fifo");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("f-1", "fifo", 5_000));
    engine.post("/v1/transactions", tenant.adminKey(), purchase("f-2", "fifo", 5_000));
    engine.execute("update point_lots set expires_at = now() + interval '10 days' where cause_id = 'f-2'");
    engine.execute("update point_lots set expires_at = now() + interval '20 days' where cause_id = 'f-1'");
    adjust("fifo", "fifo-spend", -60);
    assertEquals(0, engine.queryLong("select remaining from point_lots where cause_id = 'f-2'"));
    assertEquals(40, engine.queryLong("select remaining from point_lots where cause_id = 'f-1'"));
  }

  @Test
  @DisplayName("an expiry batch that crashes before committing expires nothing; the rerun expires each lot once")
  void expiryCrashResumes() throws Exception {
    for (String m : new String[] {"exp-1", "exp-2", "exp-3"}) {
      engine.enrol(tenant.adminKey(), m);
      engine.post("/v1/transactions", tenant.adminKey(), purchase("x-" + m, m, 2_000));
    }
    engine.execute("update point_lots set expires_at = now() - interval '1 minute' where cause_id like 'x-exp-%'");
    try (Connection crashing = engine.jdbc(); Connection killer = engine.jdbc()) {
      crashing.setAutoCommit(false);
      try (Statement s = crashing.createStatement()) {
        s.executeQuery("select count(*) from loyalty_expire_due(2)").close(); // a batch in flight
      }
      int pid;
      try (Statement s = crashing.createStatement(); var rs = s.executeQuery("select pg_backend_pid()")) {
        rs.next();
        pid = rs.getInt(1);
      }
      try (Statement k = killer.createStatement()) {
        k.execute("select pg_terminate_backend(" + pid + ")"); // the node dies mid-batch
      }
      assertThrows(Exception.class, crashing::commit);
    }
    assertEquals(0, engine.queryLong("select count(*) from ledger_entries where kind = 'expire'"), "nothing half-done");
    engine.queryLong("select count(*) from loyalty_expire_due(2)");
    engine.queryLong("select count(*) from loyalty_expire_due(2)");
    engine.queryLong("select count(*) from loyalty_expire_due(2)");
    assertEquals(3, engine.queryLong("select count(*) from ledger_entries where kind = 'expire'"));
    assertEquals(-60, engine.queryLong("select sum(points) from ledger_entries where kind = 'expire'"));
    assertEquals(0, engine.queryLong("select coalesce(sum(available), 0) from member_balances b join members m on m.id = b.member_id where m.external_id like 'exp-%'"));
  }

  @Test
  @DisplayName("the expiry policy dates each credit, and the profile shows what expires in the next 30 days")
  void expiryPolicyAndProfile() {
    assertEquals(200, put("/v1/settings", new JsonObject().put("pendingDays", 0)
        .put("expiry", new JsonObject().put("policy", "after_days").put("days", 20))).status());
    try {
      engine.enrol(tenant.adminKey(), "expiring");
      engine.post("/v1/transactions", tenant.adminKey(), purchase("ex-1", "expiring", 3_000));
      String expiresAt = engine.get("/v1/members/expiring/ledger", tenant.adminKey()).json().getJsonArray("items")
          .getJsonObject(0).getString("expiresAt");
      assertNotNull(expiresAt);
      assertEquals(EarningFixtures.AN_HOUR_AGO.plus(20, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS),
          Instant.parse(expiresAt).truncatedTo(ChronoUnit.SECONDS));
      JsonObject profile = engine.get("/v1/members/expiring", tenant.adminKey()).json();
      assertEquals(30, profile.getJsonObject("points").getLong("expiringIn30Days"));
    } finally {
      put("/v1/settings", new JsonObject().put("pendingDays", 0).put("expiry", new JsonObject().put("policy", "never")));
    }
  }
}
