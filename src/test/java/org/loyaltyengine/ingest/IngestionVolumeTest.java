package org.loyaltyengine.ingest;

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

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.ingest.IngestFixtures.awaitTrue;
import static org.loyaltyengine.ingest.IngestFixtures.basicRules;
import static org.loyaltyengine.ingest.IngestFixtures.batch;
import static org.loyaltyengine.ingest.IngestFixtures.event;
import static org.loyaltyengine.ingest.IngestFixtures.purchase;

@DisplayName("Event batches: volume")
class IngestionVolumeTest {
  static final int BATCHES = 100;
  static final int ITEMS_PER_BATCH = 1_000;
  static final int MEMBERS = 400;
  static final int IN_FLIGHT = 4;
  /** Members end with about 10,600 points each: some reach gold, all pass silver on the way. */
  static final long SILVER = 5_000;
  static final long GOLD = 10_600;
  static TestEngine engine;
  static Tenant tenant;
  static String pos;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false"));
    tenant = engine.createTenant("volume");
    pos = engine.createKey(tenant.adminKey(), "pos");
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json",
        basicRules().toBuffer()).status());
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/tiers", tenant.adminKey(), "application/json",
        new JsonObject().put("qualification", new JsonObject().put("basis", "lifetime")).put("tiers", new JsonArray()
            .add(new JsonObject().put("code", "silver").put("name", "Silver").put("threshold", SILVER))
            .add(new JsonObject().put("code", "gold").put("name", "Gold").put("threshold", GOLD))).toBuffer()).status());
    for (int m = 0; m < MEMBERS; m++) {
      engine.enrol(pos, member(m));
    }
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  static String member(int m) {
    return "vol-m-" + m;
  }

  /** Item k of the run: two purchases in three, else an app login; members spread over the run. */
  static JsonObject item(int k) {
    String member = member((int) ((k * 7_919L) % MEMBERS));
    return k % 3 == 2 ? event("vol-e-" + k, member, "app_login") : purchase("vol-t-" + k, member, 100 + (k % 4_000) * 3);
  }

  static long pointsOf(int k) {
    return k % 3 == 2 ? 5 : (100 + (k % 4_000) * 3) / 100;
  }

  static JsonObject batchNo(int b) {
    List<JsonObject> items = new ArrayList<>(ITEMS_PER_BATCH);
    for (int i = 0; i < ITEMS_PER_BATCH; i++) {
      items.add(item(b * ITEMS_PER_BATCH + i));
    }
    return batch("vol-b-" + b, items);
  }

  @Test
  @DisplayName("100,000 events in 100 batches of 1,000, for 400 members, replays and an overlap included: every event applied exactly once, balances equal the ledger, no invariant broken")
  void everyEventAppliedOnce() {
    long t0 = System.nanoTime();
    List<Integer> statuses = new ArrayList<>();
    List<Future<Reply>> window = new ArrayList<>();
    for (int b = 0; b < BATCHES; b++) {
      window.add(engine.postAsync("/v1/event-batches", pos, batchNo(b)));
      if (window.size() == IN_FLIGHT || b == BATCHES - 1) {
        Future.all(window).await();
        window.forEach(f -> statuses.add(f.result().status()));
        window.clear();
      }
    }
    long accepted = System.nanoTime();
    // a client retrying three whole batches, and another sending 1,000 items it already sent in batches 5 and 6
    for (int b = 0; b < 3; b++) {
      statuses.add(engine.post("/v1/event-batches", pos, batchNo(b)).status());
    }
    List<JsonObject> overlap = new ArrayList<>();
    for (int i = 0; i < ITEMS_PER_BATCH; i++) {
      overlap.add(item(5 * ITEMS_PER_BATCH + 500 + i));
    }
    statuses.add(engine.post("/v1/event-batches", pos, batch("vol-overlap", overlap)).status());
    assertEquals(BATCHES + 4, statuses.stream().filter(s -> s == 202).count(), statuses.toString());

    awaitTrue(Duration.ofMinutes(10), () -> engine.queryLong("select count(*) from inbox_items where status = 'pending'") == 0,
        () -> engine.queryLong("select count(*) from inbox_items where status = 'pending'") + " items still pending");
    long applied = System.nanoTime();
    System.out.printf("ingestion volume: %d items accepted in %.1f s, all applied %.1f s after the first was posted%n",
        BATCHES * ITEMS_PER_BATCH, (accepted - t0) / 1e9, (applied - t0) / 1e9);

    int total = BATCHES * ITEMS_PER_BATCH;
    int events = total / 3;
    assertEquals(total + ITEMS_PER_BATCH, engine.queryLong("select count(*) from inbox_items"),
        "replayed batches stored nothing twice");
    assertEquals(total, engine.queryLong("select count(*) from inbox_items where status = 'applied'"));
    assertEquals(ITEMS_PER_BATCH, engine.queryLong("select count(*) from inbox_items where status = 'duplicate'"));
    assertEquals(0, engine.queryLong("select count(*) from inbox_items where status = 'failed'"));
    assertEquals(total - events, engine.queryLong("select count(*) from transactions where transaction_id like 'vol-t-%'"));
    assertEquals(events, engine.queryLong("select count(*) from member_events where event_id like 'vol-e-%'"));
    assertEquals(total, engine.queryLong("select count(*) from ledger_entries where cause_id like 'vol-%'"),
        "one ledger entry per event, none twice");
    assertEquals(total, engine.queryLong("select count(*) from outbox where event_type = 'points.earned'"));

    Map<String, Long> expected = new HashMap<>();
    for (int k = 0; k < total; k++) {
      expected.merge(member((int) ((k * 7_919L) % MEMBERS)), pointsOf(k), Long::sum);
    }
    Map<String, long[]> actual = balances();
    assertEquals(MEMBERS, actual.size());
    engine.awaitReadModel();
    for (Map.Entry<String, Long> e : expected.entrySet()) {
      long[] b = actual.get(e.getKey());
      assertEquals(e.getValue(), b[0], "available of " + e.getKey());
      assertEquals(e.getValue(), b[1], "lifetime earned of " + e.getKey());
      assertEquals(e.getValue(), b[2], "ledger sum of " + e.getKey());
      String tier = e.getValue() >= GOLD ? "gold" : e.getValue() >= SILVER ? "silver" : null;
      JsonObject shown = engine.get("/v1/members/" + e.getKey() + "/status", pos).json();
      assertEquals(e.getValue(), shown.getJsonObject("points").getLong("available"), "status of " + e.getKey());
      assertEquals(tier, shown.getJsonObject("tier") == null ? null : shown.getJsonObject("tier").getString("code"),
          "tier of " + e.getKey());
    }
    assertEquals(0, engine.ledgerInvariantViolations());
    JsonObject last = engine.get("/v1/event-batches/vol-b-" + (BATCHES - 1), pos).json();
    assertEquals("done", last.getString("status"));
    assertEquals(ITEMS_PER_BATCH, last.getJsonObject("counts").getInteger("applied"));
  }

  /** external id → {available, lifetime earned, ledger sum}. */
  private static Map<String, long[]> balances() {
    String sql = """
        select m.external_id, b.available, b.lifetime_earned,
               (select coalesce(sum(points), 0) from ledger_entries l where l.member_id = m.id)
          from members m join member_balances b on b.member_id = m.id""";
    try (Connection c = engine.jdbc(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      Map<String, long[]> out = new HashMap<>();
      while (rs.next()) {
        out.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)});
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
