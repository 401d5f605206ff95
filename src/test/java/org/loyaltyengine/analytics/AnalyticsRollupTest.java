package org.loyaltyengine.analytics;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.events.DomainEvent;
import org.loyaltyengine.platform.PgUrls;
import org.loyaltyengine.seed.SeedOptions;
import org.loyaltyengine.seed.SeedReport;
import org.loyaltyengine.seed.Seeder;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.analytics.AnalyticsFixtures.afternoon;
import static org.loyaltyengine.analytics.AnalyticsFixtures.comparable;
import static org.loyaltyengine.analytics.AnalyticsFixtures.eventsOf;
import static org.loyaltyengine.analytics.AnalyticsFixtures.morning;
import static org.loyaltyengine.analytics.AnalyticsFixtures.program;
import static org.loyaltyengine.analytics.AnalyticsFixtures.today;
import static org.loyaltyengine.analytics.AnalyticsFixtures.truth;

/**
 * Real activity through the API and the ledger jobs' functions, its real outbox events handed to the
 * consumer directly (as the event feed will), and the reports compared with the live tables.
 */
@DisplayName("Analytics rollups: equal to the ledger, exactly once")
class AnalyticsRollupTest {
  static TestEngine engine;
  static Vertx vertx;
  static Pool pool;

  @BeforeAll
  static void start() {
    // The relay is off: these tests hand the consumer the outbox themselves (EventFeedTest covers the live path).
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_RELAY_ENABLED", "false"));
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
        .connectingTo(PgUrls.connectOptions(TestEngine.PG_SERVER + engine.database)).using(vertx).build();
  }

  @AfterAll
  static void stop() {
    pool.close().await();
    vertx.close().await();
    engine.close();
  }

  static void deliver(List<DomainEvent> batch) {
    new AnalyticsConsumer(pool).handle(batch).await();
  }

  static String range() {
    return "?from=" + today().minusDays(1) + "&to=" + today().plusDays(1);
  }

  static JsonObject summary(Tenant t) {
    TestEngine.Reply r = engine.get("/v1/analytics/summary" + range(), t.adminKey());
    assertEquals(200, r.status(), r.body().toString());
    return r.json();
  }

  static JsonObject daily(Tenant t) {
    TestEngine.Reply r = engine.get("/v1/analytics/daily" + range(), t.adminKey());
    assertEquals(200, r.status(), r.body().toString());
    return r.json();
  }

  /** Everything a report shows, to compare before and after a redelivery. */
  static JsonObject reports(Tenant t) {
    JsonObject s = summary(t);
    s.remove("freshness"); // lastEventAt is part of it and the same; eventsApplied is checked on its own
    return new JsonObject().put("summary", s).put("daily", daily(t));
  }

  static void assertEqualsTruth(Tenant t) {
    assertEquals(truth(engine, t, null), comparable(summary(t)), "the summary equals the live tables");
    for (Object row : daily(t).getJsonArray("days")) {
      JsonObject day = (JsonObject) row;
      assertEquals(truth(engine, t, LocalDate.parse(day.getString("day"))), comparable(day), "day " + day.getString("day"));
    }
  }

  @Test
  @DisplayName("after a day of purchases, a return, adjustments, redemptions, a refund, a release and an expiry, every figure equals the live tables")
  void rollupsEqualTheLedger() {
    Tenant t = program(engine, "truth");
    morning(engine, t, "tr");
    afternoon(engine, t, "tr");
    deliver(eventsOf(engine, t));

    assertEqualsTruth(t);
    JsonObject s = summary(t);
    JsonObject points = s.getJsonObject("points");
    assertEquals(30, points.getLong("released"), "the pending purchase of 30 points was released");
    assertTrue(points.getLong("expired") > 0 && points.getLong("returned") > 0 && points.getLong("refunded") > 0
        && points.getLong("adjustedOut") > 0, s.encodePrettily());
    assertEquals(3, s.getJsonObject("members").getLong("new"));
    assertEquals(2, s.getJsonObject("members").getLong("active"), "the member who only changed a profile is not active");
    assertEquals(new JsonArray()
            .add(new JsonObject().put("rewardId", "gc").put("redemptions", 2).put("quantity", 2).put("points", 200))
            .add(new JsonObject().put("rewardId", "coupon").put("redemptions", 1).put("quantity", 1).put("points", 40)),
        s.getJsonArray("topRewards"));
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  @Test
  @DisplayName("the same events delivered again, whole, reversed, one by one or in shuffled overlapping batches, leave every figure unchanged")
  void redeliveryChangesNothing() {
    Tenant t = program(engine, "replayed");
    morning(engine, t, "rp");
    afternoon(engine, t, "rp");
    List<DomainEvent> events = eventsOf(engine, t);
    deliver(events);
    JsonObject before = reports(t);
    long applied = engine.queryLong("select count(*) from analytics_applied_events");

    deliver(events);
    List<DomainEvent> reversed = new ArrayList<>(events);
    Collections.reverse(reversed);
    deliver(reversed);
    events.forEach(e -> deliver(List.of(e)));
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      List<DomainEvent> shuffled = new ArrayList<>(events);
      Collections.shuffle(shuffled, random);
      int from = random.nextInt(shuffled.size());
      int to = from + random.nextInt(shuffled.size() - from) + 1;
      List<DomainEvent> batch = new ArrayList<>(shuffled.subList(from, to));
      batch.addAll(shuffled.subList(0, Math.min(3, shuffled.size()))); // overlaps, and repeats within the batch
      deliver(batch);
    }

    assertEquals(before, reports(t));
    assertEquals(applied, engine.queryLong("select count(*) from analytics_applied_events"));
    assertEqualsTruth(t);
  }

  @Test
  @DisplayName("one batch handled by several consumers at the same time (a rebalance overlap) is counted once")
  void concurrentDeliveriesCountOnce() {
    Tenant t = program(engine, "raced");
    morning(engine, t, "rc");
    afternoon(engine, t, "rc");
    List<DomainEvent> events = eventsOf(engine, t);
    List<Future<Void>> racing = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      List<DomainEvent> copy = new ArrayList<>(events);
      Collections.shuffle(copy, new Random(i));
      racing.add(new AnalyticsConsumer(pool).handle(copy));
    }
    Future.join(racing).otherwiseEmpty().await();
    // a deadlock victim fails its batch, which the feed would deliver again
    racing.stream().filter(Future::failed).forEach(f -> deliver(events));

    assertEqualsTruth(t);
  }

  @Test
  @DisplayName("with two tenants' events in the same batches, each tenant's reports show only its own activity")
  void tenantsStayApart() {
    Tenant big = program(engine, "apart-big");
    Tenant small = program(engine, "apart-small");
    morning(engine, big, "ab");
    afternoon(engine, big, "ab");
    engine.enrol(small.adminKey(), "as-solo");
    List<DomainEvent> both = new ArrayList<>(eventsOf(engine, big));
    both.addAll(eventsOf(engine, small));
    Collections.shuffle(both, new Random(7));
    deliver(both);

    assertEqualsTruth(big);
    assertEqualsTruth(small);
    JsonObject smallSummary = summary(small);
    assertEquals(1, smallSummary.getJsonObject("members").getLong("new"));
    assertEquals(0, smallSummary.getJsonObject("liability").getLong("atEnd"));
    assertEquals(new JsonArray(), smallSummary.getJsonArray("topRewards"));
  }

  @Test
  @DisplayName("after the stream stalls, delivery resumed from an earlier position catches up exactly, and freshness shows the lag until then")
  void catchUpAfterAStall() {
    Tenant t = program(engine, "stalled");
    morning(engine, t, "st");
    List<DomainEvent> beforeStall = eventsOf(engine, t);
    deliver(beforeStall);
    assertEqualsTruth(t);
    long seenBeforeStall = summary(t).getJsonObject("freshness").getLong("eventsApplied");

    afternoon(engine, t, "st"); // the stream is down: nothing is delivered meanwhile
    JsonObject lagging = summary(t);
    assertEquals(seenBeforeStall, lagging.getJsonObject("freshness").getLong("eventsApplied"));
    assertNotEquals(truth(engine, t, null), comparable(lagging), "the reports lag while the stream is down");

    // the consumer restarts from its last committed position, which is older than what it had applied
    List<DomainEvent> all = eventsOf(engine, t);
    List<DomainEvent> resumed = all.subList(beforeStall.size() / 2, all.size());
    for (int i = 0; i < resumed.size(); i += 4) {
      deliver(resumed.subList(i, Math.min(resumed.size(), i + 4)));
    }

    assertEqualsTruth(t);
    long relevant = all.stream().filter(e -> AnalyticsFact.Kind.ofEventType(e.type()).isPresent()).count();
    assertEquals(relevant, summary(t).getJsonObject("freshness").getLong("eventsApplied"));
  }

  @Test
  @DisplayName("a fact counts on its calendar day in the tenant's own time zone")
  void daysAreTheTenantsDays() {
    TestEngine.Reply created = engine.post("/v1/tenants", TestEngine.OPERATOR_TOKEN,
        new JsonObject().put("name", "kiritimati").put("timezone", "Pacific/Kiritimati").put("currency", "EUR"));
    assertEquals(201, created.status());
    UUID tenantId = UUID.fromString(created.json().getString("tenantId"));
    String key = created.json().getString("adminKey");
    // UTC+14: 09:59:59Z is 23:59:59 on 1 March there, 10:00:00Z is midnight starting 2 March
    deliver(List.of(
        new DomainEvent(9_000_000_001L, tenantId, 1L, "k-1", "member.enrolled", "{}", Instant.parse("2026-03-01T09:59:59Z")),
        new DomainEvent(9_000_000_002L, tenantId, 2L, "k-2", "member.enrolled", "{}", Instant.parse("2026-03-01T10:00:00Z")),
        new DomainEvent(9_000_000_003L, tenantId, 2L, "k-2", "points.adjusted",
            "{\"adjustmentId\":\"k\",\"points\":70,\"reason\":\"x\"}", Instant.parse("2026-03-01T10:00:00Z"))));

    JsonObject days = engine.get("/v1/analytics/daily?from=2026-02-28&to=2026-03-02", key).json();
    assertEquals("Pacific/Kiritimati", days.getString("timezone"));
    JsonArray rows = days.getJsonArray("days");
    assertEquals(List.of(0L, 1L, 1L), rows.stream().map(r -> ((JsonObject) r).getJsonObject("members").getLong("new")).toList());
    assertEquals(List.of(0L, 0L, 70L), rows.stream().map(r -> ((JsonObject) r).getLong("liability")).toList());
  }

  @Test
  @DisplayName("seeded balances, which bypass the outbox, reach the liability through the seeder's opening-balance events")
  void seededBalancesCount() throws Exception {
    SeedReport seeded = Seeder.run(engine.env(), SeedOptions.of("seeded", 30, 2).withChunkMembers(8));
    Tenant t = new Tenant(seeded.tenantId().toString(), seeded.adminKey());
    assertEquals(4, engine.queryLong("select count(*) from outbox where tenant_id = ?::uuid"
        + " and event_type = 'points.opening_balance'", t.id()), "one event per chunk of 8 members");
    deliver(eventsOf(engine, t));

    JsonObject s = summary(t);
    assertEquals(seeded.seededPoints(), s.getJsonObject("points").getLong("openingBalance"));
    assertEquals(engine.queryLong("select sum(available + pending) from member_balances where tenant_id = ?::uuid", t.id()),
        s.getJsonObject("liability").getLong("atEnd"));
  }

  @Test
  @DisplayName("the analytics verticle owns the consumer (group \"analytics\") that the event feed will subscribe")
  void verticleOwnsTheConsumer() {
    Tenant t = program(engine, "verticle");
    engine.enrol(t.adminKey(), "vt-1");
    AnalyticsVerticle verticle = new AnalyticsVerticle(engine.server().config());
    String deployment = vertx.deployVerticle(verticle).await();
    try {
      assertEquals("analytics", verticle.consumer().group());
      verticle.consumer().handle(eventsOf(engine, t)).await();
    } finally {
      vertx.undeploy(deployment).await();
    }
    assertEquals(1, summary(t).getJsonObject("members").getLong("new"));
  }
}
