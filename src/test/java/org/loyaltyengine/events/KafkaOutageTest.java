package org.loyaltyengine.events;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;
import org.loyaltyengine.testing.TestKafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.events.EventFixtures.assertEveryEventInMemberOrder;
import static org.loyaltyengine.events.EventFixtures.enrol;
import static org.loyaltyengine.testing.Eventually.eventually;
import static org.loyaltyengine.events.EventFixtures.events;
import static org.loyaltyengine.events.EventFixtures.onePointPerEuro;
import static org.loyaltyengine.events.EventFixtures.purchases;
import static org.loyaltyengine.events.EventFixtures.readTopic;
import static org.loyaltyengine.events.EventFixtures.unpublished;

/** Kafka stopped for a while (a broker of this test's own): the engine goes on, the outbox waits. */
@DisplayName("While Kafka is down")
class KafkaOutageTest {
  static final String TOPIC = "loyalty.events";
  static TestKafka kafka;
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    kafka = TestKafka.dedicated();
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_KAFKA_BOOTSTRAP", kafka.bootstrap(), "LOYALTY_KAFKA_DELIVERY_TIMEOUT_MS", "3000",
        "LOYALTY_RELAY_POLL_MS", "50", "LOYALTY_RELAY_BACKOFF_CAP_MS", "1000", "LOYALTY_RELAY_LAG_DEGRADED_SECONDS", "1"));
    tenant = engine.createTenant("outage");
    onePointPerEuro(engine, tenant.adminKey());
  }

  @AfterAll
  static void stop() {
    engine.close();
    kafka.close();
  }

  @Test
  @DisplayName("earning goes on, the outbox grows and readiness says degraded; after Kafka is back the backlog drains, in member order")
  void outboxWaitsForKafka() throws Exception {
    enrol(engine, tenant.adminKey(), "o-", 10);
    purchases(engine, tenant.adminKey(), "o-", 10, 0, 1);
    assertTrue(eventually(30_000, () -> unpublished(engine) == 0), "published while Kafka is up");

    kafka.stop();
    purchases(engine, tenant.adminKey(), "o-", 10, 1, 5); // every POST /v1/transactions answers 201
    assertTrue(unpublished(engine) >= 50, "the purchases' events wait in the outbox");
    assertTrue(eventually(20_000, () -> outboxCheck().getBoolean("degraded") && "down".equals(outboxCheck().getString("kafka"))),
        outboxCheck().encode());
    assertEquals(200, engine.get("/health/ready", null).status(), "degraded, not down");
    assertEquals(0, engine.ledgerInvariantViolations());

    kafka.restart();
    assertTrue(eventually(60_000, () -> unpublished(engine) == 0), "the backlog drains");
    assertTrue(eventually(15_000, () -> !outboxCheck().getBoolean("degraded")), outboxCheck().encode());
    List<DomainEvent> written = engine.outboxEvents();
    assertEveryEventInMemberOrder(written, events(readTopic(kafka.bootstrap(), TOPIC, written.size(), Duration.ofSeconds(30))));

    // Analytics (a Kafka consumer group in this engine) catches up exactly: every event once, and the
    // points it reports issued equal the ledger's earnings.
    java.util.UUID tenantId = java.util.UUID.fromString(tenant.id());
    long outboxRows = engine.queryLong("select count(*) from outbox where tenant_id = ?", tenantId);
    assertTrue(eventually(60_000, () -> engine.queryLong(
        "select coalesce(max(events_applied), 0) from analytics_tenants where tenant_id = ?", tenantId) == outboxRows),
        "analytics applied every event once");
    // Yesterday to today in the tenant's zone: the test may run across its midnight.
    java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneId.of("Europe/Warsaw"));
    JsonObject summary = engine.get("/v1/analytics/summary?from=" + today.minusDays(1) + "&to=" + today,
        tenant.adminKey()).json();
    long earned = engine.queryLong("select sum(points) from ledger_entries where tenant_id = ? and kind = 'earn'", tenantId);
    assertEquals(earned, summary.getJsonObject("points").getLong("issued"), summary.encode());
    assertEquals(earned, summary.getJsonObject("liability").getLong("atEnd"), summary.encode());
  }

  private static JsonObject outboxCheck() {
    JsonObject body = engine.get("/health/ready", null).json();
    return body.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> "outbox".equals(c.getString("id"))).findFirst().orElseThrow().getJsonObject("data");
  }
}
