package org.loyaltyengine.events;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.events.EventFixtures.activity;
import static org.loyaltyengine.events.EventFixtures.assertEveryEventInMemberOrder;
import static org.loyaltyengine.testing.Eventually.eventually;
import static org.loyaltyengine.events.EventFixtures.onePointPerEuro;
import static org.loyaltyengine.events.EventFixtures.unpublished;

/** A node without Kafka: the relay hands the outbox to the feed's consumer groups over the event bus. */
@DisplayName("Without Kafka, the event feed")
class EventBusFeedTest {
  static TestEngine engine;
  static Tenant tenant;
  final List<EventFeed.Subscription> subscriptions = new ArrayList<>();
  long before;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_RELAY_POLL_MS", "50", "LOYALTY_RELAY_BACKOFF_CAP_MS", "500",
        "LOYALTY_RELAY_LAG_DEGRADED_SECONDS", "1", "LOYALTY_RELAY_GROUP_RETENTION_SECONDS", "60"));
    tenant = engine.createTenant("feed");
    onePointPerEuro(engine, tenant.adminKey());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @BeforeEach
  void mark() {
    before = engine.queryLong("select coalesce(max(id), 0) from outbox");
  }

  /** Groups stay registered after their subscription closes (that is the point); tests start clean. */
  @AfterEach
  void unsubscribe() {
    subscriptions.forEach(s -> s.close().await());
    engine.execute("delete from event_consumer_groups");
  }

  private RecordingConsumer subscribe(String group, int failFirst) {
    RecordingConsumer consumer = new RecordingConsumer(group, failFirst);
    subscriptions.add(EventFeed.subscribe(engine.server().vertx(), engine.server().config(), consumer).await());
    return consumer;
  }

  private List<DomainEvent> written() {
    return engine.outboxEvents().stream().filter(e -> e.eventId() > before).toList();
  }

  private boolean allDelivered(RecordingConsumer consumer) {
    return unpublished(engine) == 0 && consumer.distinctReceived() == written().size();
  }

  @Test
  @DisplayName("hands a subscribed consumer every event, each member's in the order they were written")
  void everyEventInMemberOrder() throws Exception {
    RecordingConsumer consumer = subscribe("orders", 0);
    activity(engine, tenant.adminKey(), "o-", 20, 5);
    List<DomainEvent> written = written();
    assertEquals(20 * 6, written.size(), "an enrolment and five earnings per member");
    assertTrue(eventually(20_000, () -> allDelivered(consumer)), "delivered " + consumer.distinctReceived());
    assertEveryEventInMemberOrder(written, consumer.received());
    DomainEvent first = written.get(0);
    DomainEvent delivered = consumer.received().stream().filter(e -> e.eventId() == first.eventId()).findFirst().orElseThrow();
    assertEquals(DomainEventJson.toJson(first), DomainEventJson.toJson(delivered), "the event as the outbox holds it");
  }

  @Test
  @DisplayName("hands a batch the consumer failed to it again, and marks it published only then")
  void failedBatchComesAgain() throws Exception {
    RecordingConsumer consumer = subscribe("flaky", 1);
    activity(engine, tenant.adminKey(), "f-", 5, 2);
    assertTrue(eventually(20_000, () -> allDelivered(consumer)));
    assertEquals(1, consumer.failedBatches().size());
    Set<Long> redelivered = consumer.received().stream().map(DomainEvent::eventId).collect(Collectors.toSet());
    consumer.failedBatches().get(0).forEach(e -> assertTrue(redelivered.contains(e.eventId()), "event " + e.eventId()));
    assertEveryEventInMemberOrder(written(), consumer.received());
  }

  @Test
  @DisplayName("hands every event to every subscribed group")
  void everyGroupGetsEverything() throws Exception {
    RecordingConsumer analytics = subscribe("analytics-test", 0);
    RecordingConsumer webhooks = subscribe("webhooks-test", 0);
    activity(engine, tenant.adminKey(), "g-", 10, 2);
    assertTrue(eventually(20_000, () -> allDelivered(analytics) && allDelivered(webhooks)));
    assertEveryEventInMemberOrder(written(), analytics.received());
    assertEveryEventInMemberOrder(written(), webhooks.received());
  }

  @Test
  @DisplayName("keeps the events of a registered group that is not listening until it is back, then hands them over")
  void eventsWaitForAGroupThatIsAway() throws Exception {
    subscribe("restarting", 0);
    subscriptions.remove(0).close().await(); // its node goes away; the group stays registered
    activity(engine, tenant.adminKey(), "w-", 5, 2);
    Thread.sleep(1_000);
    assertEquals(written().size(), unpublished(engine), "nothing is marked published while the group is away");

    RecordingConsumer back = subscribe("restarting", 0);
    assertTrue(eventually(20_000, () -> allDelivered(back)));
    assertEveryEventInMemberOrder(written(), back.received());
  }

  @Test
  @DisplayName("reports an outbox older than relay.lagDegradedSeconds as degraded in /health/ready, which stays 200")
  void backlogDegradesReadiness() throws Exception {
    subscribe("slowpoke", 0);
    subscriptions.remove(0).close().await();
    activity(engine, tenant.adminKey(), "h-", 3, 1);
    assertTrue(eventually(15_000, () -> outboxCheck().getJsonObject("data").getBoolean("degraded")),
        "degraded once the oldest row is older than a second");
    TestEngine.Reply ready = engine.get("/health/ready", null);
    assertEquals(200, ready.status());
    JsonObject check = outboxCheck();
    assertEquals("UP", check.getString("status"));
    assertEquals(written().size(), check.getJsonObject("data").getLong("unpublishedRows"));
    assertTrue(check.getJsonObject("data").getLong("oldestUnpublishedAgeSeconds") >= 1);

    RecordingConsumer back = subscribe("slowpoke", 0);
    assertTrue(eventually(20_000, () -> allDelivered(back)));
    assertTrue(eventually(10_000, () -> !outboxCheck().getJsonObject("data").getBoolean("degraded")));
    assertEquals("none", outboxCheck().getJsonObject("data").getString("kafka"));
  }

  private static JsonObject outboxCheck() {
    JsonObject body = engine.get("/health/ready", null).json();
    return body.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> "outbox".equals(c.getString("id"))).findFirst().orElseThrow();
  }
}
