package org.loyaltyengine.events;

import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;
import org.loyaltyengine.testing.TestKafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.events.EventFixtures.activity;
import static org.loyaltyengine.events.EventFixtures.assertEveryEventInMemberOrder;
import static org.loyaltyengine.testing.Eventually.eventually;
import static org.loyaltyengine.events.EventFixtures.events;
import static org.loyaltyengine.events.EventFixtures.onePointPerEuro;
import static org.loyaltyengine.events.EventFixtures.readTopic;
import static org.loyaltyengine.events.EventFixtures.unpublished;

/** The relay and the feed against a real Kafka broker (the suite's shared one; this class has its own topic). */
@DisplayName("With Kafka, the outbox relay")
class KafkaRelayTest {
  static final String TOPIC = "loyalty.events.test-" + UUID.randomUUID();
  static TestEngine engine;
  static Tenant tenant;
  final List<EventFeed.Subscription> subscriptions = new ArrayList<>();

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_KAFKA_BOOTSTRAP", TestKafka.shared().bootstrap(), "LOYALTY_KAFKA_TOPIC", TOPIC,
        "LOYALTY_KAFKA_TOPIC_PARTITIONS", "4", "LOYALTY_RELAY_POLL_MS", "50", "LOYALTY_RELAY_BACKOFF_CAP_MS", "1000"));
    tenant = engine.createTenant("kafka");
    onePointPerEuro(engine, tenant.adminKey());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @AfterEach
  void unsubscribe() {
    subscriptions.forEach(s -> s.close().await());
  }

  private static List<DomainEvent> allPublished() throws InterruptedException {
    assertTrue(eventually(30_000, () -> unpublished(engine) == 0), "the relay published the outbox");
    return engine.outboxEvents();
  }

  @Test
  @DisplayName("publishes every event to the topic, keyed tenant:member, each member's events in the order written")
  void everyEventReachesTheTopicInMemberOrder() throws Exception {
    activity(engine, tenant.adminKey(), "k-", 20, 5);
    List<DomainEvent> written = allPublished();
    List<ConsumerRecord<String, String>> records = readTopic(TestKafka.shared().bootstrap(), TOPIC, written.size(),
        Duration.ofSeconds(30));
    for (ConsumerRecord<String, String> r : records) {
      DomainEvent e = DomainEventJson.decode(r.value());
      assertEquals(e.tenantId() + ":" + e.memberId(), r.key(), "the record key");
    }
    assertEveryEventInMemberOrder(written, events(records));
    DomainEvent first = written.get(0);
    JsonObject value = records.stream().map(r -> new JsonObject(r.value()))
        .filter(v -> v.getLong("eventId") == first.eventId()).findFirst().orElseThrow();
    assertEquals(DomainEventJson.toJson(first), value, "the record value is the event's wire JSON");
  }

  @Test
  @DisplayName("creates the topic with kafka.topicPartitions partitions")
  void createsTheTopic() throws Exception {
    activity(engine, tenant.adminKey(), "c-", 1, 0);
    allPublished();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.shared().bootstrap()))) {
      TopicDescription topic = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
      assertEquals(4, topic.partitions().size());
    }
  }

  @Test
  @DisplayName("feeds a Kafka consumer group every event in member order, committing only what it handled")
  void feedDeliversThroughKafka() throws Exception {
    RecordingConsumer consumer = new RecordingConsumer("feed-" + UUID.randomUUID(), 0);
    subscriptions.add(EventFeed.subscribe(engine.server().vertx(), engine.server().config(), consumer).await());
    activity(engine, tenant.adminKey(), "e-", 10, 3);
    List<DomainEvent> written = allPublished();
    assertTrue(eventually(30_000, () -> consumer.distinctReceived() == written.size()),
        "received " + consumer.distinctReceived() + " of " + written.size());
    assertEveryEventInMemberOrder(written, consumer.received());
  }

  @Test
  @DisplayName("feeds a batch the consumer failed to it again")
  void failedBatchComesAgainThroughKafka() throws Exception {
    RecordingConsumer consumer = new RecordingConsumer("flaky-" + UUID.randomUUID(), 1);
    subscriptions.add(EventFeed.subscribe(engine.server().vertx(), engine.server().config(), consumer).await());
    activity(engine, tenant.adminKey(), "r-", 5, 2);
    List<DomainEvent> written = allPublished();
    assertTrue(eventually(30_000, () -> consumer.distinctReceived() == written.size()));
    assertEquals(1, consumer.failedBatches().size());
    Set<Long> received = consumer.received().stream().map(DomainEvent::eventId).collect(Collectors.toSet());
    consumer.failedBatches().get(0).forEach(e -> assertTrue(received.contains(e.eventId()), "event " + e.eventId()));
    assertEveryEventInMemberOrder(written, consumer.received());
  }

  @Test
  @DisplayName("reports Kafka as up in the outbox readiness check")
  void readinessSaysKafkaIsUp() throws Exception {
    assertTrue(eventually(10_000, () -> "up".equals(outboxCheck().getString("kafka"))), outboxCheck().encode());
    assertEquals(false, outboxCheck().getBoolean("degraded"));
  }

  private static JsonObject outboxCheck() {
    JsonObject body = engine.get("/health/ready", null).json();
    return body.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> "outbox".equals(c.getString("id"))).findFirst().orElseThrow().getJsonObject("data");
  }
}
