package org.loyaltyengine.member;

import io.vertx.core.Future;
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
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;

/**
 * The read model: every write stores its member's new document before it answers (read-your-writes), documents
 * only move forward (monotonic reads), and time-dependent fields stop being served when they would change.
 *
 * <p>Each read-your-writes case first reads the member (so an old document is in Redis), writes, and then checks
 * — before any read could rebuild it — that Redis already holds the document of the version PostgreSQL has.
 */
@DisplayName("Reads come from one pre-rendered document per member, kept current by every write")
class MemberReadModelTest {
  static TestEngine engine;
  static Tenant tenant;
  // to the millisecond, as clients send times (a finer one is read back, not added: TransactionHistory.entry)
  static final Instant AN_HOUR_AGO = Instant.now().minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);

  @BeforeAll
  static void start() {
    // one HTTP verticle and one lane: concurrent writes surely meet in group commits, and so their refreshes
    engine = TestEngine.start(java.util.Map.of("LOYALTY_JOBS_RELEASE_EVERY_MS", "100", "LOYALTY_JOBS_EXPIRE_EVERY_MS", "100",
        "LOYALTY_HTTP_INSTANCES", "1", "LOYALTY_LEDGER_LANES", "1"));
    tenant = engine.createTenant("read-model");
    assertEquals(200, put("/v1/earning-rules", new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("id", "base").put("trigger", "purchase")
            .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)
                .put("rounding", "down").put("spend", "basket")))
        .add(new JsonObject().put("id", "login").put("trigger", "event")
            .put("conditions", new JsonObject().put("eventType", "app_login"))
            .put("award", new JsonObject().put("type", "fixed").put("points", 5))))).status());
    assertEquals(200, put("/v1/tiers", new JsonObject()
        .put("qualification", new JsonObject().put("basis", "rolling_days").put("days", 365))
        .put("tiers", new JsonArray().add(new JsonObject().put("code", "silver").put("name", "Silver")
            .put("threshold", 100)))).status());
    assertEquals(201, engine.post("/v1/rewards", tenant.adminKey(), new JsonObject().put("rewardId", "cp")
        .put("name", "10% off").put("type", "coupon_code").put("costPoints", 20)).status());
    engine.post("/v1/rewards/cp/codes", tenant.adminKey(), new JsonObject().put("codes", new JsonArray().add("C1").add("C2")));
  }

  @AfterAll
  static void stop() {
    assertEquals(0, engine.ledgerInvariantViolations());
    engine.close();
  }

  private static Reply put(String path, JsonObject body) {
    return engine.send(HttpMethod.PUT, path, tenant.adminKey(), "application/json", body.toBuffer());
  }

  private static JsonObject purchase(String transactionId, String member, long total) {
    return new JsonObject().put("transactionId", transactionId).put("memberExternalId", member)
        .put("occurredAt", AN_HOUR_AGO.toString()).put("total", total).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1").put("category", "grocery")
            .put("quantity", 1).put("amount", total)));
  }

  private static String document(String member) {
    return engine.redisGet(engine.memberCacheKey(tenant.id(), member));
  }

  private static long storedVersion(String member) {
    String d = document(member);
    return d == null ? -1 : Long.parseLong(d.substring(0, d.indexOf('|')));
  }

  private static long databaseVersion(String member) {
    return engine.queryLong("select m.version + b.version from members m join member_balances b on b.member_id = m.id"
        + " where m.tenant_id = ?::uuid and m.external_id = ?", tenant.id(), member);
  }

  private static JsonObject status(String member) {
    Reply r = engine.get("/v1/members/" + member + "/status", tenant.adminKey());
    assertEquals(200, r.status(), r.body().toString());
    return r.json();
  }

  private static JsonObject profile(String member) {
    return engine.get("/v1/members/" + member, tenant.adminKey()).json();
  }

  /** Reads the member so that its current document is in Redis, runs the write, and checks it stored the next one. */
  private static void writeThenReadOwnWrite(String member, Runnable write) {
    status(member);
    assertTrue(eventually(2_000, () -> storedVersion(member) == databaseVersion(member)), "document warmed");
    long before = storedVersion(member);
    write.run();
    long after = databaseVersion(member);
    assertTrue(after > before, "the write changed the member");
    assertEquals(after, storedVersion(member), "the write stored the new document before it answered");
  }

  @Test
  @DisplayName("a purchase (with its tier climb) and its history page are visible on the very next read")
  void purchase() {
    engine.enrol(tenant.adminKey(), "p1");
    engine.get("/v1/members/p1/transactions", tenant.adminKey());
    writeThenReadOwnWrite("p1", () -> assertEquals(201,
        engine.post("/v1/transactions", tenant.adminKey(), purchase("rm-p1", "p1", 15_000)).status()));
    JsonObject s = status("p1");
    assertEquals(150, s.getJsonObject("points").getLong("available"));
    assertEquals("silver", s.getJsonObject("tier").getString("code"));
    assertEquals(150, profile("p1").getLong("qualifyingPoints"));
    JsonArray items = engine.get("/v1/members/p1/transactions", tenant.adminKey()).json().getJsonArray("items");
    assertEquals("rm-p1", items.getJsonObject(0).getString("transactionId"));
  }

  @Test
  @DisplayName("first pages cut from the document continue, by their cursor, into the pages PostgreSQL serves")
  void historyPagesFromTheDocument() {
    engine.enrol(tenant.adminKey(), "h1");
    for (int i = 0; i < 55; i++) {
      engine.post("/v1/transactions", tenant.adminKey(), purchase("rm-h1-" + i, "h1", 100 + i));
    }
    JsonObject fifty = engine.get("/v1/members/h1/transactions", tenant.adminKey()).json();
    assertEquals(50, fifty.getJsonArray("items").size());
    JsonObject ten = engine.get("/v1/members/h1/transactions?limit=10", tenant.adminKey()).json();
    assertEquals(new JsonArray(fifty.getJsonArray("items").getList().subList(0, 10)), ten.getJsonArray("items"));
    JsonObject second = engine.get("/v1/members/h1/transactions?limit=10&cursor=" + ten.getString("nextCursor"),
        tenant.adminKey()).json(); // a later page: PostgreSQL
    assertEquals(new JsonArray(fifty.getJsonArray("items").getList().subList(10, 20)), second.getJsonArray("items"),
        "the same items, rendered the same way, in the same order");
    JsonObject rest = engine.get("/v1/members/h1/transactions?cursor=" + fifty.getString("nextCursor"),
        tenant.adminKey()).json();
    assertEquals(5, rest.getJsonArray("items").size(), "the document's cursor continues where its page ends");
    assertEquals(null, rest.getString("nextCursor"));
    assertEquals(55, engine.get("/v1/members/h1/transactions?limit=200", tenant.adminKey()).json()
        .getJsonArray("items").size(), "a page larger than the document holds is read from PostgreSQL");
  }

  @Test
  @DisplayName("custom events, adjustments, redemptions and returns are visible on the very next read")
  void otherPointMovements() {
    engine.enrol(tenant.adminKey(), "o1");
    writeThenReadOwnWrite("o1", () -> assertEquals(201, engine.post("/v1/members/o1/events", tenant.adminKey(),
        new JsonObject().put("eventId", "rm-e1").put("type", "app_login")
            .put("occurredAt", AN_HOUR_AGO.toString())).status()));
    assertEquals(5, status("o1").getJsonObject("points").getLong("available"));
    writeThenReadOwnWrite("o1", () -> assertEquals(201, engine.post("/v1/members/o1/adjustments", tenant.adminKey(),
        new JsonObject().put("adjustmentId", "rm-a1").put("points", 40).put("reason", "goodwill")).status()));
    assertEquals(45, status("o1").getJsonObject("points").getLong("available"));
    writeThenReadOwnWrite("o1", () -> assertEquals(201, engine.post("/v1/redemptions", tenant.adminKey(),
        new JsonObject().put("redemptionId", "rm-r1").put("memberExternalId", "o1").put("rewardId", "cp")).status()));
    assertEquals(25, status("o1").getJsonObject("points").getLong("available"));
    engine.post("/v1/transactions", tenant.adminKey(), purchase("rm-o1", "o1", 1_000));
    writeThenReadOwnWrite("o1", () -> assertEquals(201, engine.post("/v1/transactions/rm-o1/returns",
        tenant.adminKey(), new JsonObject().put("returnId", "rm-ret1")
            .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1").put("quantity", 1)))).status()));
    assertEquals(25, status("o1").getJsonObject("points").getLong("available"));
  }

  @Test
  @DisplayName("a write that changes no transaction keeps the document's history, unless the history changed since the document read it")
  void historyKeptOnlyWhileCurrent() {
    engine.enrol(tenant.adminKey(), "k1");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("rm-k1", "k1", 5_000));
    double kept = keptHistories();
    writeThenReadOwnWrite("k1", () -> assertEquals(201, engine.post("/v1/members/k1/adjustments", tenant.adminKey(),
        new JsonObject().put("adjustmentId", "rm-k1-a1").put("points", 10).put("reason", "goodwill")).status()));
    assertEquals(60, status("k1").getJsonObject("points").getLong("available"));
    assertTrue(keptHistories() > kept, "the adjustment kept the history instead of reading it again");
    assertEquals(50, firstHistoryItem("k1").getLong("pointsEarned"));
    // A history change this document has not seen (as if its own refresh were lost): PostgreSQL's history moved on.
    engine.execute("update transactions set points_earned = 7 where tenant_id = ?::uuid and transaction_id = 'rm-k1'",
        tenant.id());
    engine.execute("update member_balances set history_version = history_version + 1 where member_id ="
        + " (select id from members where tenant_id = ?::uuid and external_id = 'k1')", tenant.id());
    writeThenReadOwnWrite("k1", () -> assertEquals(201, engine.post("/v1/members/k1/adjustments", tenant.adminKey(),
        new JsonObject().put("adjustmentId", "rm-k1-a2").put("points", 1).put("reason", "goodwill")).status()));
    assertEquals(7, firstHistoryItem("k1").getLong("pointsEarned"), "an older history is read again, never kept");
  }

  @Test
  @DisplayName("a purchase is added to the history the document holds, byte for byte as reading the history again renders it")
  void purchaseAddedToTheStoredHistory() {
    engine.enrol(tenant.adminKey(), "x1");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("rm-x1-1", "x1", 2_000));
    double added = historiesAddedTo();
    // an older purchase, sent late: it goes under the newer one; its lines in an order jsonb does not keep
    JsonObject late = new JsonObject().put("transactionId", "rm-x1-2").put("memberExternalId", "x1")
        .put("occurredAt", AN_HOUR_AGO.minusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString())
        .put("total", 3_000).put("currency", "EUR").put("channel", "web")
        .put("items", new JsonArray()
            .add(new JsonObject().put("sku", "Zażółć-1").put("quantity", 2).put("amount", 1_000)
                .put("labels", new JsonArray().add("promo").add("eco")))
            .add(new JsonObject().put("sku", "S-2").put("category", "toys").put("quantity", 1).put("amount", 1_000)));
    writeThenReadOwnWrite("x1", () -> assertEquals(201, engine.post("/v1/transactions", tenant.adminKey(), late).status()));
    assertTrue(historiesAddedTo() > added,
        "the purchase was added to the stored history, not read again");
    String fromDocument = engine.get("/v1/members/x1/transactions", tenant.adminKey()).body().toString();
    assertEquals(List.of("rm-x1-1", "rm-x1-2"), new JsonObject(fromDocument).getJsonArray("items").stream()
        .map(o -> ((JsonObject) o).getString("transactionId")).toList());
    engine.redisDelete(engine.memberCacheKey(tenant.id(), "x1"));
    String readAgain = engine.get("/v1/members/x1/transactions", tenant.adminKey()).body().toString();
    assertEquals(readAgain, fromDocument, "the same bytes as the history read from PostgreSQL");
  }

  @Test
  @DisplayName("the refreshes of concurrent writes share statements, and each write's document is current when it answers")
  void concurrentRefreshesShareStatements() {
    for (int i = 0; i < 40; i++) {
      engine.enrol(tenant.adminKey(), "g" + i);
    }
    double before = metric("loyalty_read_model_refresh_batch_size_count");
    java.util.List<io.vertx.core.Future<Reply>> replies = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      replies.add(engine.postAsync("/v1/transactions", tenant.adminKey(), purchase("rm-g" + i, "g" + i, 1_000)));
    }
    io.vertx.core.Future.all(replies).await();
    for (int i = 0; i < 40; i++) {
      assertEquals(201, replies.get(i).result().status());
      assertEquals(databaseVersion("g" + i), storedVersion("g" + i), "stored before the answer");
    }
    assertTrue(metric("loyalty_read_model_refresh_batch_size_count") > before, "some refreshes were gathered");
  }

  private static double metric(String name) {
    String metrics = engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString();
    return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static double historiesAddedTo() {
    String metrics = engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString();
    return metrics.lines().filter(l -> l.startsWith("loyalty_read_model_histories_kept_total{")
            && l.contains("purchases=\"added\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static JsonObject firstHistoryItem(String member) {
    return engine.get("/v1/members/" + member + "/transactions", tenant.adminKey()).json().getJsonArray("items")
        .getJsonObject(0);
  }

  private static double keptHistories() {
    String metrics = engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString();
    return metrics.lines().filter(l -> l.startsWith("loyalty_read_model_histories_kept_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  @DisplayName("a profile change, a block and an unblock are visible on the very next read")
  void profileAndBlock() {
    engine.enrol(tenant.adminKey(), "b1");
    writeThenReadOwnWrite("b1", () -> assertEquals(200, engine.patch("/v1/members/b1", tenant.adminKey(),
        new JsonObject().put("firstName", "Zofia")).status()));
    assertEquals("Zofia", profile("b1").getString("firstName"));
    writeThenReadOwnWrite("b1", () -> assertEquals(200, engine.patch("/v1/members/b1", tenant.adminKey(),
        new JsonObject().put("status", "blocked")).status()));
    assertEquals("blocked", status("b1").getString("status"));
    writeThenReadOwnWrite("b1", () -> assertEquals(200, engine.patch("/v1/members/b1", tenant.adminKey(),
        new JsonObject().put("status", "active")).status()));
    assertEquals("active", status("b1").getString("status"));
  }

  @Test
  @DisplayName("pending release and expiry, done by the ledger jobs, reach the document without a read")
  void jobs() {
    engine.enrol(tenant.adminKey(), "j1");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("rm-j1", "j1", 3_000));
    status("j1");
    engine.execute("update point_lots set expires_at = now() where cause_id = 'rm-j1'");
    assertTrue(eventually(10_000, () -> engine.queryLong(
        "select count(*) from ledger_entries where kind = 'expire' and member_id = (select id from members"
            + " where tenant_id = ?::uuid and external_id = 'j1')", tenant.id()) == 1), "expired");
    assertTrue(eventually(5_000, () -> storedVersion("j1") == databaseVersion("j1")), "the job stored the document");
    assertEquals(0, status("j1").getJsonObject("points").getLong("available"));
  }

  @Test
  @DisplayName("an ingested batch's members are current in the read model once their items are applied, its purchases added to their histories")
  void ingestion() {
    engine.enrol(tenant.adminKey(), "i1");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("rm-i0", "i1", 1_000));
    engine.get("/v1/members/i1/transactions", tenant.adminKey());
    long before = databaseVersion("i1");
    double added = historiesAddedTo();
    JsonObject item = purchase("rm-i1", "i1", 2_000).put("type", "transaction");
    JsonObject second = purchase("rm-i2", "i1", 3_000).put("type", "transaction")
        .put("occurredAt", AN_HOUR_AGO.minusSeconds(60).toString());
    assertEquals(202, engine.post("/v1/event-batches", tenant.adminKey(), new JsonObject().put("batchId", "rm-b1")
        .put("items", new JsonArray().add(item).add(second))).status());
    assertTrue(eventually(10_000, () -> databaseVersion("i1") > before), "applied");
    assertTrue(eventually(2_000, () -> storedVersion("i1") == databaseVersion("i1")),
        "the worker stored the document after the chunk's commit");
    assertEquals(60, status("i1").getJsonObject("points").getLong("available"));
    assertTrue(historiesAddedTo() > added, "the chunk's purchases were added to the stored history, not read again");
    String fromDocument = engine.get("/v1/members/i1/transactions", tenant.adminKey()).body().toString();
    engine.redisDelete(engine.memberCacheKey(tenant.id(), "i1"));
    assertEquals(engine.get("/v1/members/i1/transactions", tenant.adminKey()).body().toString(), fromDocument,
        "the same bytes as the history read from PostgreSQL");
    assertEquals(List.of("rm-i1", "rm-i0", "rm-i2"), new JsonObject(fromDocument).getJsonArray("items").stream()
        .map(o -> ((JsonObject) o).getString("transactionId")).toList());
  }

  @Test
  @DisplayName("a lot entering the 30-day expiry window shows as expiring at that instant, with no write")
  void expiringSoonFollowsTheClock() throws InterruptedException {
    engine.enrol(tenant.adminKey(), "t1");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("rm-t1", "t1", 5_000));
    engine.execute("update point_lots set expires_at = now() + interval '30 days 2 seconds' where cause_id = 'rm-t1'");
    engine.patch("/v1/members/t1", tenant.adminKey(), new JsonObject().put("lastName", "Clock")); // a write: new document
    JsonObject points = profile("t1").getJsonObject("points");
    assertEquals(0, points.getLong("expiringIn30Days"), "not yet within 30 days");
    Thread.sleep(2_500);
    assertEquals(50, profile("t1").getJsonObject("points").getLong("expiringIn30Days"),
        "the document's validity ended when the lot entered the window");
  }

  @Test
  @DisplayName("a rolling tier window's document is valid until the UTC midnight its oldest day leaves the window")
  void rollingWindowValidity() {
    engine.enrol(tenant.adminKey(), "w1");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("rm-w1", "w1", 1_000));
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    // the oldest day still inside a 365-day window (day > today − 365) leaves it at tomorrow's UTC midnight;
    // a tenant zone with a DST change does not move that instant: the window counts whole UTC days
    engine.execute("insert into member_qualifying_days (member_id, day, points) select id, ?::date, 7 from members"
        + " where tenant_id = ?::uuid and external_id = 'w1'", today.minusDays(364).toString(), tenant.id());
    engine.execute("update member_balances set lifetime_earned = lifetime_earned + 7 where member_id ="
        + " (select id from members where tenant_id = ?::uuid and external_id = 'w1')", tenant.id()); // as its earning did
    engine.patch("/v1/members/w1", tenant.adminKey(), new JsonObject().put("lastName", "Window"));
    String[] parts = document("w1").split("\\|", 5);
    long validUntil = Long.parseLong(parts[3]);
    assertEquals(today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli(), validUntil);
    assertEquals(17, profile("w1").getLong("qualifyingPoints"));
  }

  @Test
  @DisplayName("concurrent writers and readers of one member never see its balance go backwards")
  void monotonicUnderConcurrency() throws Exception {
    engine.enrol(tenant.adminKey(), "m1");
    List<Future<Reply>> writes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      writes.add(engine.postAsync("/v1/transactions", tenant.adminKey(), purchase("rm-m1-" + i, "m1", 100)));
    }
    List<Long> seen = new CopyOnWriteArrayList<>();
    List<Thread> readers = new ArrayList<>();
    List<List<Long>> perReader = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      List<Long> mine = new ArrayList<>();
      perReader.add(mine);
      Thread t = new Thread(() -> {
        for (int i = 0; i < 60; i++) {
          long available = status("m1").getJsonObject("points").getLong("available");
          mine.add(available);
          seen.add(available);
        }
      });
      readers.add(t);
      t.start();
    }
    for (Thread t : readers) {
      t.join();
    }
    Future.all(writes).await();
    for (List<Long> mine : perReader) {
      for (int i = 1; i < mine.size(); i++) {
        assertTrue(mine.get(i) >= mine.get(i - 1), "balance went back from " + mine.get(i - 1) + " to " + mine.get(i));
      }
    }
    assertEquals(200, status("m1").getJsonObject("points").getLong("available"));
    assertEquals(240, seen.size());
  }
}
