package org.loyaltyengine.events;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;
import org.loyaltyengine.testing.TestKafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.events.EventFixtures.activity;
import static org.loyaltyengine.events.EventFixtures.assertEveryEventInMemberOrder;
import static org.loyaltyengine.testing.Eventually.eventually;
import static org.loyaltyengine.events.EventFixtures.events;
import static org.loyaltyengine.events.EventFixtures.onePointPerEuro;
import static org.loyaltyengine.events.EventFixtures.readTopic;
import static org.loyaltyengine.events.EventFixtures.unpublished;

/** The relay's node killed with SIGKILL while it publishes; another node takes over its partitions. */
@DisplayName("An outbox relay killed mid-stream")
class RelayCrashTest {
  static final String TOPIC = "loyalty.events.crash-" + UUID.randomUUID();
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_RELAY_ENABLED", "false", "LOYALTY_JOBS_ENABLED", "false",
        "LOYALTY_FULFILLMENT_ENABLED", "false", "LOYALTY_KAFKA_BOOTSTRAP", TestKafka.shared().bootstrap(),
        "LOYALTY_KAFKA_TOPIC", TOPIC));
    tenant = engine.createTenant("crash");
    onePointPerEuro(engine, tenant.adminKey());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @Test
  @DisplayName("loses no event: the survivor publishes the rest, each member's events first seen in the order written")
  void survivorPublishesTheRest() throws Exception {
    activity(engine, tenant.adminKey(), "c-", 120, 6); // a backlog of 840 events while no relay runs
    long total = engine.queryLong("select count(*) from outbox");
    assertEquals(total, unpublished(engine));

    Map<String, String> relayNode = new HashMap<>(Map.of("LOYALTY_RELAY_ENABLED", "true", "LOYALTY_RELAY_BATCH_SIZE", "2",
        "LOYALTY_RELAY_POLL_MS", "50", "LOYALTY_HTTP_INSTANCES", "1", "LOYALTY_RULES_INSTANCES", "1"));
    Process doomed = engine.startProcessNode("doomed-relay", relayNode);
    try {
      assertTrue(eventually(90_000, () -> unpublished(engine) < total), "the relay node is publishing");
    } finally {
      doomed.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, batches in flight, leases dropped by PostgreSQL
    }
    long left = unpublished(engine);
    assertTrue(left > 0 && left < total, "killed mid-stream (" + left + " of " + total + " left), else the test proves nothing");

    // Every node of a deployment has the same Kafka settings (a node without them would hand events to its
    // own event bus instead).
    try (TestEngine survivor = TestEngine.startNode(engine, Map.of("LOYALTY_RELAY_ENABLED", "true",
        "LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false", "LOYALTY_RELAY_LEASE_RETRY_MS", "500",
        "LOYALTY_KAFKA_BOOTSTRAP", TestKafka.shared().bootstrap(), "LOYALTY_KAFKA_TOPIC", TOPIC))) {
      assertTrue(eventually(60_000, () -> unpublished(engine) == 0), "the survivor drained the outbox");
    }
    List<DomainEvent> written = engine.outboxEvents();
    List<ConsumerRecord<String, String>> records = readTopic(TestKafka.shared().bootstrap(), TOPIC, written.size(),
        Duration.ofSeconds(60));
    assertEveryEventInMemberOrder(written, events(records));
  }
}
