package org.loyaltyengine.analytics;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.PgUrls;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.loyaltyengine.analytics.AnalyticsFixtures.adjust;
import static org.loyaltyengine.analytics.AnalyticsFixtures.eventsOf;
import static org.loyaltyengine.analytics.AnalyticsFixtures.ok;
import static org.loyaltyengine.analytics.AnalyticsFixtures.program;
import static org.loyaltyengine.analytics.AnalyticsFixtures.redeem;
import static org.loyaltyengine.analytics.AnalyticsFixtures.today;

/** The two report endpoints: their JSON, their validation and scopes, and where they read from. */
@DisplayName("Analytics API: GET /v1/analytics/summary and /v1/analytics/daily")
class AnalyticsApiTest {
  static TestEngine engine;
  static Vertx vertx;
  static Pool pool;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    // The relay is off: these tests hand the consumer the outbox themselves (EventFeedTest covers the live path).
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_RELAY_ENABLED", "false"));
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().connectingTo(PgUrls.connectOptions(TestEngine.PG_SERVER + engine.database)).using(vertx).build();
    // one member given 1,000 points, who redeems a 100-point gift card twice and a 40-point coupon once
    tenant = program(engine, "reports");
    engine.enrol(tenant.adminKey(), "mia");
    ok(adjust(engine, tenant, "mia", "welcome", 1_000), 201);
    ok(redeem(engine, tenant, "rd-1", "mia", "gc"), 201);
    ok(redeem(engine, tenant, "rd-2", "mia", "gc"), 201);
    ok(redeem(engine, tenant, "rd-3", "mia", "coupon"), 201);
    new AnalyticsConsumer(pool).handle(eventsOf(engine, tenant)).await();
  }

  @AfterAll
  static void stop() {
    pool.close().await();
    vertx.close().await();
    engine.close();
  }

  static Reply get(String path) {
    return get(path, tenant.adminKey());
  }

  static Reply get(String path, String key) {
    return engine.get(path, key);
  }

  static void assertRejected(Reply r, String code, String field) {
    assertEquals(400, r.status(), r.body().toString());
    assertEquals(code, r.errorCode());
    assertEquals(field, r.errorField());
    assertNotNull(r.json().getJsonObject("error").getString("message"));
  }

  @Test
  @DisplayName("the summary shows the period's totals by movement, the liability at its start and end, members, top rewards and freshness")
  void summaryJson() {
    LocalDate today = today();
    JsonObject s = get("/v1/analytics/summary?from=" + today + "&to=" + today).json();
    JsonObject freshness = s.getJsonObject("freshness");
    assertEquals(6, freshness.getLong("eventsApplied"), "enrolment, adjustment, three redemptions, one fulfilment");
    assertNotNull(freshness.getString("lastEventAt"));
    s.remove("freshness");
    assertEquals(new JsonObject()
        .put("from", today.toString()).put("to", today.toString()).put("timezone", "Europe/Warsaw")
        .put("points", new JsonObject().put("issued", 0).put("issuedPending", 0).put("released", 0)
            .put("redeemed", 240).put("refunded", 0).put("expired", 0).put("returned", 0).put("adjustedIn", 1_000)
            .put("adjustedOut", 0).put("openingBalance", 0).put("net", 760))
        .put("liability", new JsonObject().put("atStart", 0).put("atEnd", 760))
        .put("redemptions", new JsonObject().put("created", 3).put("fulfilled", 1).put("failed", 0))
        .put("members", new JsonObject().put("new", 1).put("active", 1))
        .put("topRewards", new JsonArray()
            .add(new JsonObject().put("rewardId", "gc").put("redemptions", 2).put("quantity", 2).put("points", 200))
            .add(new JsonObject().put("rewardId", "coupon").put("redemptions", 1).put("quantity", 1).put("points", 40))),
        s);
  }

  @Test
  @DisplayName("the daily report has one row per day, quiet days as zeros, and the liability at each day's end")
  void dailyJson() {
    LocalDate today = today();
    JsonObject d = get("/v1/analytics/daily?from=" + today.minusDays(1) + "&to=" + today.plusDays(1)).json();
    assertEquals("Europe/Warsaw", d.getString("timezone"));
    JsonArray days = d.getJsonArray("days");
    assertEquals(3, days.size());
    JsonObject before = days.getJsonObject(0);
    JsonObject active = days.getJsonObject(1);
    JsonObject after = days.getJsonObject(2);
    assertEquals(today.minusDays(1).toString(), before.getString("day"));
    assertEquals(0, before.getLong("liability"));
    assertEquals(0, before.getJsonObject("points").getLong("net"));
    assertEquals(today.toString(), active.getString("day"));
    assertEquals(760, active.getLong("liability"));
    assertEquals(new JsonObject().put("new", 1).put("active", 1), active.getJsonObject("members"));
    assertEquals(new JsonObject().put("created", 3).put("fulfilled", 1).put("failed", 0), active.getJsonObject("redemptions"));
    assertEquals(760, after.getLong("liability"), "the liability carries over a quiet day");
    assertEquals(0, after.getJsonObject("members").getLong("active"));
  }

  @Test
  @DisplayName("a period after the activity starts with the liability carried forward and shows no movement")
  void liabilityCarriedIntoLaterPeriods() {
    LocalDate later = today().plusDays(10);
    JsonObject s = get("/v1/analytics/summary?from=" + later + "&to=" + later.plusDays(30)).json();
    assertEquals(new JsonObject().put("atStart", 760).put("atEnd", 760), s.getJsonObject("liability"));
    assertEquals(0, s.getJsonObject("points").getLong("net"));
    assertEquals(new JsonArray(), s.getJsonArray("topRewards"));
  }

  @Test
  @DisplayName("missing, malformed or repeated dates are 400 invalid_query naming the parameter")
  void badDates() {
    assertRejected(get("/v1/analytics/summary?to=2026-01-31"), "invalid_query", "from");
    assertRejected(get("/v1/analytics/daily?from=2026-01-01"), "invalid_query", "to");
    assertRejected(get("/v1/analytics/summary?from=&to=2026-01-31"), "invalid_query", "from");
    assertRejected(get("/v1/analytics/daily?from=yesterday&to=2026-01-31"), "invalid_query", "from");
    assertRejected(get("/v1/analytics/daily?from=2026-1-01&to=2026-01-31"), "invalid_query", "from");
    assertRejected(get("/v1/analytics/summary?from=2026-01-01&to=2026-02-30"), "invalid_query", "to");
    assertRejected(get("/v1/analytics/summary?from=2026-01-01T00:00:00Z&to=2026-01-31"), "invalid_query", "from");
    assertRejected(get("/v1/analytics/daily?from=2026-01-01&to=2026-01-31&to=2026-02-28"), "invalid_query", "to");
  }

  @Test
  @DisplayName("from after to, or a period longer than 366 days, is 400 invalid_range; 366 days is fine")
  void badRanges() {
    assertRejected(get("/v1/analytics/summary?from=2026-02-01&to=2026-01-31"), "invalid_range", "to");
    assertRejected(get("/v1/analytics/daily?from=2026-01-01&to=2027-01-02"), "invalid_range", "to");
    Reply leapYear = get("/v1/analytics/daily?from=2028-01-01&to=2028-12-31");
    assertEquals(200, leapYear.status());
    assertEquals(366, leapYear.json().getJsonArray("days").size());
  }

  @Test
  @DisplayName("admin and read keys may read the reports; a pos key is 403 and no key 401")
  void scopes() {
    String read = engine.createKey(tenant.adminKey(), "read");
    String pos = engine.createKey(tenant.adminKey(), "pos");
    String period = "?from=2026-01-01&to=2026-01-31";
    assertEquals(200, get("/v1/analytics/summary" + period, read).status());
    assertEquals(200, get("/v1/analytics/daily" + period, read).status());
    assertEquals(403, get("/v1/analytics/summary" + period, pos).status());
    assertEquals("forbidden", get("/v1/analytics/daily" + period, pos).errorCode());
    assertEquals(401, get("/v1/analytics/summary" + period, null).status());
  }

  @Test
  @DisplayName("another tenant sees only its own (empty) figures")
  void otherTenantSeesNothing() {
    Tenant other = engine.createTenant("reports-other");
    JsonObject s = get("/v1/analytics/summary?from=" + today() + "&to=" + today(), other.adminKey()).json();
    assertEquals(0, s.getJsonObject("liability").getLong("atEnd"));
    assertEquals(0, s.getJsonObject("points").getLong("redeemed"));
    assertEquals(0, s.getJsonObject("freshness").getLong("eventsApplied"));
  }

  @Test
  @DisplayName("reports read only the analytics tables: served through a read replica role that may read nothing else")
  void reportsNeedOnlyTheAnalyticsTables() throws SQLException {
    String role = "analytics_reader_" + engine.database.substring("loyalty_test_".length());
    engine.execute("create role " + role + " login");
    TestEngine replicaNode = null;
    try {
      engine.execute("grant select on analytics_daily, analytics_member_days, analytics_reward_daily, analytics_tenants to "
          + role);
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + engine.database, role, null);
           Statement s = c.createStatement()) {
        SQLException refused = assertThrows(SQLException.class, () -> s.executeQuery("select count(*) from ledger_entries"));
        assertEquals("42501", refused.getSQLState(), "the role really cannot read the live tables");
      }
      replicaNode = TestEngine.startNode(engine, Map.of("LOYALTY_PG_READ_URL",
          "postgresql://" + role + "@127.0.0.1:5432/" + engine.database,
          "LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false", "LOYALTY_RELAY_ENABLED", "false"));
      String period = "?from=" + today().minusDays(1) + "&to=" + today();
      Reply summary = replicaNode.get("/v1/analytics/summary" + period, tenant.adminKey());
      Reply daily = replicaNode.get("/v1/analytics/daily" + period, tenant.adminKey());
      assertEquals(200, summary.status(), summary.body().toString());
      assertEquals(200, daily.status(), daily.body().toString());
      assertEquals(760, summary.json().getJsonObject("liability").getLong("atEnd"));
      assertEquals(760, daily.json().getJsonArray("days").getJsonObject(1).getLong("liability"));
    } finally {
      if (replicaNode != null) {
        replicaNode.close();
      }
      engine.execute("drop owned by " + role);
      engine.execute("drop role " + role);
    }
  }
}
