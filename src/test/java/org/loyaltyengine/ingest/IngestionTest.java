package org.loyaltyengine.ingest;

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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.ingest.IngestFixtures.awaitDone;
import static org.loyaltyengine.ingest.IngestFixtures.basicRules;
import static org.loyaltyengine.ingest.IngestFixtures.batch;
import static org.loyaltyengine.ingest.IngestFixtures.event;
import static org.loyaltyengine.ingest.IngestFixtures.purchase;

@DisplayName("Event batches: processing")
class IngestionTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static TestEngine engine;
  static Tenant tenant;
  static String pos;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false"));
    tenant = engine.createTenant("ingestion");
    pos = engine.createKey(tenant.adminKey(), "pos");
    putRules(tenant, basicRules());
  }

  @AfterEach
  void invariantsHold() {
    assertEquals(0, engine.ledgerInvariantViolations(), "balance = ledger sum = lots, for every member");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  static void putRules(Tenant t, JsonObject rules) {
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), "application/json",
        rules.toBuffer()).status());
  }

  private static JsonObject status(String key, String member) {
    return engine.get("/v1/members/" + member + "/status", key).json();
  }

  private static long available(String key, String member) {
    return status(key, member).getJsonObject("points").getLong("available");
  }

  @Test
  @DisplayName("a batch's purchases and events earn as the synchronous API would, and once the batch is done the points show in the member's cached status")
  void batchEarns() {
    engine.enrol(pos, "earner");
    assertEquals(0, available(pos, "earner")); // cached now: the worker must fence it
    Reply r = engine.post("/v1/event-batches", pos, batch("b-earn", List.of(
        purchase("t-earn-1", "earner", 12_999), event("e-earn-1", "earner", "app_login"),
        event("e-earn-2", "earner", "unrewarded_type"))));
    assertEquals(202, r.status(), r.body().toString());
    JsonObject done = awaitDone(engine, pos, "b-earn", WAIT);
    assertEquals(3, done.getJsonObject("counts").getInteger("applied"));
    assertEquals(0, done.getJsonObject("counts").getInteger("pending"));
    assertTrue(done.getString("finishedAt") != null);
    assertEquals(134, available(pos, "earner"), "129 for the purchase, 5 for the login, 0 for the other event");
    JsonObject profile = engine.get("/v1/members/earner", pos).json();
    assertEquals(1, profile.getLong("transactionCount"));
    assertEquals(12_999, profile.getLong("totalSpent"));
    assertEquals(129, engine.get("/v1/members/earner/transactions", pos).json().getJsonArray("items")
        .getJsonObject(0).getLong("pointsEarned"));
    assertEquals(2, engine.queryLong("select count(*) from outbox where event_type = 'points.earned' "
        + "and payload->>'causeId' in ('t-earn-1', 'e-earn-1')"));
  }

  @Test
  @DisplayName("a purchase applied from a batch, sent again to POST /v1/transactions, is a 200 replay of the reply it got")
  void syncReplayOfBatchItem() {
    engine.enrol(pos, "replayer");
    engine.post("/v1/event-batches", pos, batch("b-sync", List.of(purchase("t-sync-1", "replayer", 5_000),
        purchase("t-sync-2", "replayer", 2_000))));
    awaitDone(engine, pos, "b-sync", WAIT);
    JsonObject body = purchase("t-sync-2", "replayer", 2_000);
    body.remove("type");
    Reply replay = engine.post("/v1/transactions", pos, body);
    assertEquals(200, replay.status(), replay.body().toString());
    assertEquals(20, replay.json().getLong("pointsEarned"));
    assertEquals(new JsonArray().add(new JsonObject().put("ruleId", "base").put("points", 20)),
        replay.json().getJsonArray("breakdown"));
    assertEquals(new JsonObject().put("available", 70).put("pending", 0).put("lifetimeEarned", 70),
        replay.json().getJsonObject("balance"), "the balance right after this purchase, the second of the batch");
    Reply conflict = engine.post("/v1/transactions", pos, body.put("total", 2_001));
    assertEquals(409, conflict.status());
    assertEquals(70, available(pos, "replayer"));
  }

  @Test
  @DisplayName("items that cannot earn fail alone, each reported with its index, id, code, message and field")
  void perItemErrors() {
    engine.enrol(pos, "good");
    engine.enrol(pos, "blocked");
    engine.patch("/v1/members/blocked", tenant.adminKey(), new JsonObject().put("status", "blocked"));
    JsonObject sync = purchase("t-err-taken", "good", 1_000);
    sync.remove("type");
    assertEquals(201, engine.post("/v1/transactions", pos, sync).status());
    Reply r = engine.post("/v1/event-batches", pos, batch("b-errors", List.of(
        purchase("t-err-1", "good", 1_000),                          // 0 applied
        purchase("t-err-2", "ghost", 1_000),                         // 1 unknown member
        purchase("t-err-3", "blocked", 1_000),                       // 2 blocked member
        purchase("t-err-4", "good", 1_000).put("currency", "USD"),   // 3 other currency
        purchase("t-err-taken", "good", 2_000),                      // 4 id used with another body
        purchase("t-err-taken", "good", 1_000),                      // 5 the same purchase again
        purchase("t-err-1", "good", 1_000),                          // 6 a duplicate of item 0
        event("e-err-1", "blocked", "app_login"),                    // 7 blocked member
        event("e-err-2", "good", "app_login"))));                    // 8 applied
    assertEquals(202, r.status());
    JsonObject done = awaitDone(engine, pos, "b-errors", WAIT);
    JsonObject counts = done.getJsonObject("counts");
    assertEquals(2, counts.getInteger("applied"), done.encodePrettily());
    assertEquals(2, counts.getInteger("duplicate"));
    assertEquals(5, counts.getInteger("failed"));
    JsonArray errors = done.getJsonArray("errors");
    assertEquals(List.of(1, 2, 3, 4, 7), errors.stream().map(e -> ((JsonObject) e).getInteger("index")).toList());
    assertError(errors.getJsonObject(0), "t-err-2", "member_not_found", "memberExternalId");
    assertError(errors.getJsonObject(1), "t-err-3", "member_blocked", "memberExternalId");
    assertError(errors.getJsonObject(2), "t-err-4", "currency_mismatch", "currency");
    assertError(errors.getJsonObject(3), "t-err-taken", "idempotency_conflict", "transactionId");
    assertError(errors.getJsonObject(4), "e-err-1", "member_blocked", "memberExternalId");
    assertEquals("transaction", errors.getJsonObject(0).getString("type"));
    assertEquals("event", errors.getJsonObject(4).getString("type"));
    assertEquals("no member with externalId \"ghost\"", errors.getJsonObject(0).getString("message"));
    assertEquals(10 + 10 + 5, available(pos, "good"), "the synchronous purchase, item 0 and item 8");
    assertEquals(0, engine.queryLong("select count(*) from transactions where transaction_id in ('t-err-2', 't-err-3', 't-err-4')"));
  }

  private static void assertError(JsonObject e, String itemId, String code, String field) {
    assertEquals(itemId, e.getString("itemId"), e.encode());
    assertEquals(code, e.getString("code"), e.encode());
    assertEquals(field, e.getString("field"), e.encode());
    assertTrue(e.getString("message") != null && !e.getString("message").isEmpty(), e.encode());
  }

  @Test
  @DisplayName("a member's items apply in inbox order: a purchase that lifts the tier makes the next event earn the tier's bonus")
  void orderMatters() {
    Tenant t = engine.createTenant("ingestion-order");
    String key = engine.createKey(t.adminKey(), "pos");
    JsonObject rules = basicRules();
    rules.getJsonArray("rules").add(new JsonObject().put("id", "silver-login").put("trigger", "event")
        .put("conditions", new JsonObject().put("eventType", "app_login").put("tiers", new JsonArray().add("silver")))
        .put("award", new JsonObject().put("type", "fixed").put("points", 50)));
    putRules(t, rules);
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/tiers", t.adminKey(), "application/json",
        new JsonObject().put("qualification", new JsonObject().put("basis", "lifetime"))
            .put("tiers", new JsonArray().add(new JsonObject().put("code", "silver").put("name", "Silver")
                .put("threshold", 100))).toBuffer()).status());
    engine.enrol(key, "climber");
    engine.enrol(key, "other");
    awaitSettingsRefresh();
    engine.post("/v1/event-batches", key, batch("b-order-1", List.of(
        event("o-1", "climber", "app_login"),          // no tier yet: 5
        event("o-x", "other", "app_login"),            // another member, in between: 5
        purchase("o-2", "climber", 10_000),            // 100 points: silver
        event("o-3", "climber", "app_login"))));       // silver: 5 + 50
    engine.post("/v1/event-batches", key, batch("b-order-2", List.of(event("o-4", "climber", "app_login"))));
    awaitDone(engine, key, "b-order-1", WAIT);
    awaitDone(engine, key, "b-order-2", WAIT);
    assertEquals(List.of("o-1:5", "o-2:100", "o-3:55", "o-4:55"), ledgerOf(t, "climber"),
        "one entry per item, in inbox order across both batches, each earning what that order gives it");
    assertEquals("silver", status(key, "climber").getJsonObject("tier").getString("code"));
    assertEquals(1, engine.queryLong("select count(*) from outbox where event_type = 'tier.changed' and tenant_id = ?::uuid",
        t.id()));
  }

  @Test
  @DisplayName("a per-member cap holds across the items of one batch")
  void capsAcrossABatch() {
    Tenant t = engine.createTenant("ingestion-caps");
    String key = engine.createKey(t.adminKey(), "pos");
    putRules(t, new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("id", "daily-login")
        .put("trigger", "event").put("conditions", new JsonObject().put("eventType", "app_login"))
        .put("award", new JsonObject().put("type", "fixed").put("points", 4)).put("caps", new JsonObject().put("day", 10)))));
    engine.enrol(key, "capped");
    awaitSettingsRefresh();
    List<JsonObject> items = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      items.add(event("cap-" + i, "capped", "app_login"));
    }
    engine.post("/v1/event-batches", key, batch("b-caps", items));
    awaitDone(engine, key, "b-caps", WAIT);
    assertEquals(List.of("cap-0:4", "cap-1:4", "cap-2:2"), ledgerOf(t, "capped"), "4 + 4, then what the cap leaves");
    assertEquals(10, engine.queryLong("select points from rule_usage u join members m on m.id = u.member_id "
        + "where m.external_id = 'capped' and u.window_key like 'day:%'"));
    assertEquals(10, available(key, "capped"));
  }

  @Test
  @DisplayName("a batch sent twice and a batch overlapping it apply every purchase once; the overlap counts as duplicates")
  void replayedAndOverlappingBatches() {
    engine.enrol(pos, "overlap-a");
    engine.enrol(pos, "overlap-b");
    List<JsonObject> first = new ArrayList<>();
    List<JsonObject> second = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      JsonObject item = purchase("t-ov-" + i, i % 2 == 0 ? "overlap-a" : "overlap-b", 100 * (i + 1));
      if (i < 40) {
        first.add(item);
      }
      if (i >= 20) {
        second.add(item.copy());
      }
    }
    assertEquals(202, engine.post("/v1/event-batches", pos, batch("b-ov-1", first)).status());
    assertEquals(202, engine.post("/v1/event-batches", pos, batch("b-ov-1", first)).status());
    assertEquals(202, engine.post("/v1/event-batches", pos, batch("b-ov-2", second)).status());
    JsonObject one = awaitDone(engine, pos, "b-ov-1", WAIT);
    JsonObject two = awaitDone(engine, pos, "b-ov-2", WAIT);
    assertEquals(40, one.getJsonObject("counts").getInteger("applied"));
    assertEquals(20, two.getJsonObject("counts").getInteger("applied"));
    assertEquals(20, two.getJsonObject("counts").getInteger("duplicate"));
    assertEquals(60, engine.queryLong("select count(*) from ledger_entries where cause_id like 't-ov-%'"));
    long expectedA = 0;
    long expectedB = 0;
    for (int i = 0; i < 60; i++) {
      if (i % 2 == 0) {
        expectedA += i + 1;
      } else {
        expectedB += i + 1;
      }
    }
    assertEquals(expectedA, available(pos, "overlap-a"));
    assertEquals(expectedB, available(pos, "overlap-b"));
  }

  @Test
  @DisplayName("synchronous earnings racing the workers on the same members and ids keep caps, balances and exactly-once")
  void racingSynchronousEarnings() {
    Tenant t = engine.createTenant("ingestion-race");
    String key = engine.createKey(t.adminKey(), "pos");
    JsonObject rules = basicRules();
    rules.getJsonArray("rules").getJsonObject(1).put("caps", new JsonObject().put("day", 40));
    putRules(t, rules);
    List<String> members = List.of("race-0", "race-1", "race-2", "race-3", "race-4");
    members.forEach(m -> engine.enrol(key, m));
    awaitSettingsRefresh();
    List<io.vertx.core.Future<Reply>> sync = new ArrayList<>();
    List<String> batches = new ArrayList<>();
    for (int b = 0; b < 4; b++) {
      List<JsonObject> items = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        int k = b * 200 + i;
        String member = members.get(k % members.size());
        JsonObject item = k % 2 == 0 ? event("race-e-" + k, member, "app_login") : purchase("race-t-" + k, member, 100 + k);
        items.add(item);
        if (k % 4 == 1) { // the same purchase also sent to the synchronous API, racing the batch
          JsonObject body = item.copy();
          body.remove("type");
          sync.add(engine.postAsync("/v1/transactions", key, body));
        }
        if (k % 8 == 0) { // another login of the same member, synchronously, competing for the same daily cap
          sync.add(engine.postAsync("/v1/members/" + member + "/events", key, new JsonObject()
              .put("eventId", "race-sync-" + k).put("type", "app_login").put("occurredAt", IngestFixtures.AN_HOUR_AGO.toString())));
        }
      }
      String id = "b-race-" + b;
      batches.add(id);
      sync.add(engine.postAsync("/v1/event-batches", key, batch(id, items)));
    }
    io.vertx.core.Future.join(sync).await();
    assertTrue(sync.stream().allMatch(f -> f.result().status() / 100 == 2),
        sync.stream().filter(f -> f.result().status() / 100 != 2).map(f -> f.result().body().toString()).findFirst().orElse(""));
    batches.forEach(id -> {
      JsonObject done = awaitDone(engine, key, id, WAIT);
      assertEquals(0, done.getJsonObject("counts").getInteger("failed"), done.encode());
    });
    assertEquals(0, engine.queryLong("""
        select count(*) from (select cause_id from ledger_entries where cause_id like 'race-%'
                               group by cause_id having count(*) > 1) twice"""), "no id earned twice");
    assertEquals(400, engine.queryLong("select count(*) from transactions where transaction_id like 'race-t-%'"));
    for (String m : members) {
      long logins = engine.queryLong("""
          select coalesce(sum(l.points), 0) from ledger_entries l join members mm on mm.id = l.member_id
           where mm.tenant_id = ?::uuid and mm.external_id = ? and l.cause_type = 'event'""", t.id(), m);
      assertEquals(40, logins, "the daily login cap of " + m + " is reached and never passed");
      assertEquals(40, engine.queryLong("""
          select points from rule_usage u join members mm on mm.id = u.member_id
           where mm.tenant_id = ?::uuid and mm.external_id = ? and u.window_key like 'day:%'""", t.id(), m));
    }
  }

  /** "causeId:points" of the member's ledger entries, in entry order. */
  private static List<String> ledgerOf(Tenant t, String member) {
    String sql = "select l.cause_id, l.points from ledger_entries l join members m on m.id = l.member_id "
        + "where m.tenant_id = ?::uuid and m.external_id = ? order by l.id";
    try (Connection c = engine.jdbc(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, t.id());
      ps.setString(2, member);
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1) + ":" + rs.getLong(2));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The worker reads a tenant's settings through the node's cache, refreshed within its TTL (1 s). */
  private static void awaitSettingsRefresh() {
    try {
      Thread.sleep(1_100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
