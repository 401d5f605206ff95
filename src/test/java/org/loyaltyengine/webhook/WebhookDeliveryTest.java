package org.loyaltyengine.webhook;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.events.DomainEvent;
import org.loyaltyengine.platform.PgUrls;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.webhook.WebhookFixtures.adjust;
import static org.loyaltyengine.testing.Eventually.eventually;
import static org.loyaltyengine.webhook.WebhookFixtures.subscribe;

/**
 * Deliveries from real API actions, through {@link WebhookConsumer} (fed the outbox directly, as the event
 * feed will) and the dispatcher, to a real HTTP receiver.
 */
@DisplayName("Webhook deliveries to a real receiver")
class WebhookDeliveryTest {
  static Vertx vertx;
  static TestEngine engine;
  static Pool pool;
  static WebhookConsumer consumer;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    // The relay is off: these tests hand the consumer the outbox themselves (EventFeedTest covers the live path).
    engine = TestEngine.start(Map.ofEntries(Map.entry("LOYALTY_JOBS_ENABLED", "false"),
        Map.entry("LOYALTY_FULFILLMENT_ENABLED", "false"), Map.entry("LOYALTY_RELAY_ENABLED", "false"),
        Map.entry("LOYALTY_WEBHOOKS_POLL_MS", "50"),
        Map.entry("LOYALTY_METRICS_PER_TENANT_LABELS", "true"), // circuitOpen reads the per-subscription gauge
        Map.entry("LOYALTY_WEBHOOKS_BACKOFF_BASE_MS", "20"),
        Map.entry("LOYALTY_WEBHOOKS_BACKOFF_CAP_MS", "200"),
        // long enough that a hanging endpoint is still hanging when the test has seen what it needs
        Map.entry("LOYALTY_WEBHOOKS_TIMEOUT_MS", "20000"),
        Map.entry("LOYALTY_WEBHOOKS_LEASE_MS", "60000"),
        Map.entry("LOYALTY_WEBHOOKS_CONCURRENCY_PER_ENDPOINT", "2"),
        Map.entry("LOYALTY_WEBHOOKS_CIRCUIT_FAILURES_TO_OPEN", "5"),
        Map.entry("LOYALTY_WEBHOOKS_CIRCUIT_RESET_MS", "1500")));
    pool = PgBuilder.pool().connectingTo(PgUrls.connectOptions(engine.env().get("LOYALTY_PG_URL"))).using(vertx).build();
    consumer = new WebhookConsumer(pool);
  }

  @AfterAll
  static void stop() {
    engine.close();
    pool.close().await();
    vertx.close().await();
  }

  /** What the event feed will do: hand the consumer the outbox (here all of it, every time). */
  static void feed() {
    consumer.handle(engine.outboxEvents()).await();
  }

  /** The tenant's events of these types per member, in outbox (commit) order. */
  static Map<String, List<Long>> expected(Tenant tenant, List<String> types) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    for (DomainEvent e : engine.outboxEvents()) {
      if (e.tenantId().toString().equals(tenant.id()) && (types.contains("*") || types.contains(e.type()))) {
        out.computeIfAbsent(e.memberExternalId(), k -> new java.util.ArrayList<>()).add(e.eventId());
      }
    }
    return out;
  }

  static Map<String, List<Long>> acceptedPerMember(WebhookReceiver receiver, String path) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    receiver.accepted(path).forEach(r -> out.computeIfAbsent(r.externalId(), k -> new java.util.ArrayList<>()).add(r.eventId()));
    return out;
  }

  static long deliveries(String webhookId, String condition) {
    return engine.queryLong("select count(*) from webhook_deliveries where subscription_id = ?::uuid and " + condition, webhookId);
  }

  static WebhookReceiver receiver() {
    return WebhookReceiver.start(vertx);
  }

  @Test
  @DisplayName("an event reaches the subscribed URL once: public event JSON, signed, with event id, type and delivery id headers")
  void deliveredSigned() throws Exception {
    Tenant tenant = engine.createTenant("wh-basic");
    try (WebhookReceiver receiver = receiver()) {
      JsonObject hook = subscribe(engine, tenant.adminKey(), receiver.url("/hook"), "*");
      receiver.secret("/hook", hook.getString("secret"));
      engine.enrol(tenant.adminKey(), "basic-1");
      adjust(engine, tenant.adminKey(), "basic-1", "adj-1", 40);
      feed();

      assertTrue(eventually(10_000, () -> receiver.accepted("/hook").size() == 2));
      WebhookReceiver.Received adjusted = receiver.accepted("/hook").get(1);
      assertTrue(adjusted.signatureValid());
      assertEquals("application/json", adjusted.contentType());
      assertEquals("points.adjusted", adjusted.eventType());
      assertEquals(adjusted.eventId(), adjusted.body().getLong("eventId"));
      assertEquals("points.adjusted", adjusted.body().getString("type"));
      assertEquals("basic-1", adjusted.externalId());
      assertEquals(40, adjusted.body().getJsonObject("data").getLong("points"));
      assertFalse(adjusted.body().containsKey("tenantId"), "no internal ids leave the platform");
      assertFalse(adjusted.body().containsKey("memberId"));
      assertEquals(1, adjusted.attempt());

      // the receiver has answered; the engine records it right after
      assertTrue(eventually(5_000, () -> deliveries(hook.getString("id"), "status = 'delivered'") == 2));
      JsonObject logged = engine.get("/v1/webhooks/" + hook.getString("id") + "/deliveries", tenant.adminKey()).json()
          .getJsonArray("items").getJsonObject(0);
      assertEquals(adjusted.deliveryId(), logged.getLong("deliveryId"));
      assertEquals("delivered", logged.getString("status"));
      assertEquals(1, logged.getInteger("attempts"));
      assertEquals(200, logged.getInteger("lastStatusCode"));
      assertTrue(logged.getString("deliveredAt") != null);
    }
  }

  @Test
  @DisplayName("receiver down (503, then refusing connections): deliveries are retried and completed, per member in order, each once, all signed")
  void outageRetriedInOrder() throws Exception {
    Tenant tenant = engine.createTenant("wh-outage");
    try (WebhookReceiver receiver = receiver()) {
      JsonObject hook = subscribe(engine, tenant.adminKey(), receiver.url("/down"), "*");
      String id = hook.getString("id");
      receiver.secret("/down", hook.getString("secret"));
      receiver.mode(WebhookReceiver.Mode.FAIL_503);
      for (int m = 0; m < 3; m++) {
        engine.enrol(tenant.adminKey(), "out-" + m);
        for (int a = 0; a < 3; a++) {
          adjust(engine, tenant.adminKey(), "out-" + m, "out-" + m + "-" + a, 10 + a);
        }
      }
      feed();
      assertEquals(12, deliveries(id, "true"));

      // each member's oldest is tried, and retried (until the circuit opens; then only its probes are)
      assertTrue(eventually(10_000, () -> deliveries(id, "attempts > 0") == 3 && deliveries(id, "attempts >= 2") >= 1));
      JsonObject failing = engine.get("/v1/webhooks/" + id + "/deliveries?status=pending&limit=200", tenant.adminKey())
          .json().getJsonArray("items").stream().map(JsonObject.class::cast)
          .filter(d -> d.getInteger("attempts") > 0).findFirst().orElseThrow();
      assertEquals(503, failing.getInteger("lastStatusCode"));
      assertTrue(failing.getString("lastError").startsWith("HTTP 503"), failing.getString("lastError"));
      assertEquals(3, deliveries(id, "attempts > 0"), "only each member's oldest delivery is tried");

      receiver.down();
      assertTrue(eventually(10_000, () -> deliveries(id, "last_error like '%onnect%'") >= 1),
          "connection errors are failed attempts too");
      feed(); // the feed delivers at least once: a repeat adds nothing
      assertEquals(12, deliveries(id, "true"));

      receiver.mode(WebhookReceiver.Mode.OK);
      receiver.up();
      assertTrue(eventually(20_000, () -> deliveries(id, "status = 'delivered'") == 12));
      assertEquals(expected(tenant, List.of("*")), acceptedPerMember(receiver, "/down"),
          "every event of every member, once, in the order it happened");
      assertTrue(receiver.all("/down").stream().allMatch(WebhookReceiver.Received::signatureValid),
          "every attempt carries a valid signature");
      assertTrue(deliveries(id, "attempts > 1") >= 1);
      JsonObject head = engine.get("/v1/webhooks/" + id + "/deliveries?status=delivered&limit=200", tenant.adminKey())
          .json().getJsonArray("items").stream().map(JsonObject.class::cast)
          .filter(d -> d.getInteger("attempts") > 1).findFirst().orElseThrow();
      assertEquals(200, head.getInteger("lastStatusCode"));
      assertNull(head.getString("lastError"));
      assertTrue(head.getString("firstAttemptAt").compareTo(head.getString("lastAttemptAt")) < 0);
    }
  }

  @Test
  @DisplayName("an endpoint that never answers holds only its own slots: a healthy subscription on the same host gets all its deliveries meanwhile")
  void deadEndpointDoesNotDelayOthers() throws Exception {
    Tenant tenant = engine.createTenant("wh-isolation");
    try (WebhookReceiver host = receiver()) {
      host.hang("/dead");
      JsonObject stuck = subscribe(engine, tenant.adminKey(), host.url("/dead"), "*");
      JsonObject fine = subscribe(engine, tenant.adminKey(), host.url("/fine"), "*");
      host.secret("/fine", fine.getString("secret"));
      for (int m = 0; m < 10; m++) {
        engine.enrol(tenant.adminKey(), "iso-" + m);
      }
      feed();

      assertTrue(eventually(15_000, () -> host.accepted("/fine").size() == 10), "the healthy subscription got everything");
      assertTrue(eventually(5_000, () -> deliveries(fine.getString("id"), "status = 'delivered'") == 10));
      assertEquals(0, deliveries(stuck.getString("id"), "attempts > 0"),
          "while the dead endpoint's first requests have not even timed out");
      assertTrue(eventually(5_000, () -> host.all("/dead").size() == 2));
      assertEquals(2, host.all("/dead").size(), "the dead endpoint holds its 2 slots, no more");
      assertEquals(204, engine.delete("/v1/webhooks/" + stuck.getString("id"), tenant.adminKey()).status());
    }
  }

  @Test
  @DisplayName("a subscription gets only the event types it asked for")
  void eventTypeFiltering() throws Exception {
    Tenant tenant = engine.createTenant("wh-types");
    try (WebhookReceiver receiver = receiver()) {
      subscribe(engine, tenant.adminKey(), receiver.url("/points"), "points.adjusted");
      subscribe(engine, tenant.adminKey(), receiver.url("/members"), "member.enrolled", "member.updated");
      engine.enrol(tenant.adminKey(), "types-1");
      adjust(engine, tenant.adminKey(), "types-1", "types-adj", 5);
      assertEquals(200, engine.patch("/v1/members/types-1", tenant.adminKey(), new JsonObject().put("firstName", "Ola")).status());
      feed();

      assertTrue(eventually(10_000, () -> receiver.accepted("/points").size() == 1 && receiver.accepted("/members").size() == 2));
      assertEquals(List.of("points.adjusted"), receiver.accepted("/points").stream().map(WebhookReceiver.Received::eventType).toList());
      assertEquals(List.of("member.enrolled", "member.updated"),
          receiver.accepted("/members").stream().map(WebhookReceiver.Received::eventType).toList());
    }
  }

  @Test
  @DisplayName("DELETE stops deliveries: pending ones fail as deleted, nothing more is sent or queued")
  void deleteStopsDeliveries() throws Exception {
    Tenant tenant = engine.createTenant("wh-delete");
    try (WebhookReceiver receiver = receiver()) {
      receiver.mode(WebhookReceiver.Mode.FAIL_503);
      JsonObject hook = subscribe(engine, tenant.adminKey(), receiver.url("/gone"), "*");
      String id = hook.getString("id");
      engine.enrol(tenant.adminKey(), "del-1");
      adjust(engine, tenant.adminKey(), "del-1", "del-adj", 5);
      feed();
      assertTrue(eventually(10_000, () -> deliveries(id, "attempts >= 1") >= 1));

      assertEquals(204, engine.delete("/v1/webhooks/" + id, tenant.adminKey()).status());
      assertEquals(0, deliveries(id, "status = 'pending'"));
      assertEquals(2, deliveries(id, "status = 'failed' and last_error = 'subscription deleted'"));
      int seen = receiver.all("/gone").size();
      adjust(engine, tenant.adminKey(), "del-1", "del-adj-2", 5);
      feed();
      Thread.sleep(600); // many retry intervals: any delivery still going would land now
      assertEquals(seen, receiver.all("/gone").size());
      assertEquals(2, deliveries(id, "true"), "no delivery is queued for a deleted webhook");
      JsonObject shown = engine.get("/v1/webhooks/" + id, tenant.adminKey()).json();
      assertFalse(shown.getBoolean("active"));
      assertTrue(shown.getString("deletedAt") != null);
      assertEquals(204, engine.delete("/v1/webhooks/" + id, tenant.adminKey()).status(), "deleting again is harmless");
    }
  }

  @Test
  @DisplayName("an open circuit holds the endpoint's deliveries: one probe per reset period at most, no attempts spent waiting; all complete once it recovers")
  void circuitOpenSpendsNoAttempts() throws Exception {
    Tenant tenant = engine.createTenant("wh-circuit");
    try (WebhookReceiver receiver = receiver()) {
      receiver.mode(WebhookReceiver.Mode.FAIL_503);
      JsonObject hook = subscribe(engine, tenant.adminKey(), receiver.url("/flaky"), "*");
      String id = hook.getString("id");
      for (int m = 0; m < 6; m++) {
        engine.enrol(tenant.adminKey(), "cb-" + m);
      }
      feed();

      assertTrue(eventually(10_000, () -> circuitOpen(id)), "5 failures open the circuit");
      Thread.sleep(100); // lets a request already in flight when it opened settle
      int requests = receiver.all("/flaky").size();
      long attempts = engine.queryLong("select sum(attempts) from webhook_deliveries where subscription_id = ?::uuid", id);
      // 6 failing members with retries every 200 ms at most would make dozens of requests in this second; the
      // circuit (reset 1.5 s) lets through at most the one half-open probe
      Thread.sleep(1_000);
      assertTrue(receiver.all("/flaky").size() - requests <= 1, "no request while open but the probe");
      assertTrue(engine.queryLong("select sum(attempts) from webhook_deliveries where subscription_id = ?::uuid", id)
          - attempts <= 1, "waiting deliveries spend no attempts");

      receiver.mode(WebhookReceiver.Mode.OK);
      assertTrue(eventually(15_000, () -> deliveries(id, "status = 'delivered'") == 6));
      assertTrue(eventually(5_000, () -> !circuitOpen(id)));
    }
  }

  static boolean circuitOpen(String subscriptionId) {
    String metrics = engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString();
    Matcher m = Pattern.compile("loyalty_webhook_circuit_open\\{subscription=\"" + subscriptionId + "\"[^}]*} (\\S+)")
        .matcher(metrics);
    return m.find() && Double.parseDouble(m.group(1)) == 1.0;
  }

  @Test
  @DisplayName("a delivery still failing 24 h after its first attempt is failed, and the member's next delivery goes out")
  void giveUpAfterMaxAge() throws Exception {
    Tenant tenant = engine.createTenant("wh-maxage");
    try (WebhookReceiver receiver = receiver()) {
      JsonObject hook = subscribe(engine, tenant.adminKey(), receiver.url("/old"), "*");
      String id = hook.getString("id");
      engine.enrol(tenant.adminKey(), "old-1");
      adjust(engine, tenant.adminKey(), "old-1", "old-adj", 5);
      List<Long> events = expected(tenant, List.of("*")).get("old-1");
      receiver.failEvent(events.get(0));
      feed();
      assertTrue(eventually(10_000, () -> deliveries(id, "attempts >= 1 and event_id = " + events.get(0)) == 1));
      assertEquals(0, receiver.accepted("/old").size(), "the next one waits behind the failing one");

      // as if the first attempt had been made 25 hours ago
      engine.execute("update webhook_deliveries set first_attempt_at = now() - interval '25 hours' where event_id = ?", events.get(0));
      assertTrue(eventually(10_000, () -> receiver.accepted("/old").size() == 1));
      assertEquals(events.get(1), receiver.accepted("/old").get(0).eventId());
      JsonObject failed = engine.get("/v1/webhooks/" + id + "/deliveries?status=failed", tenant.adminKey()).json()
          .getJsonArray("items").getJsonObject(0);
      assertEquals(events.get(0), failed.getLong("eventId"));
      assertTrue(failed.getString("lastError").startsWith("gave up after"), failed.getString("lastError"));
      assertEquals(503, failed.getInteger("lastStatusCode"));
      assertNull(failed.getString("nextAttemptAt"));
    }
  }

  @Test
  @DisplayName("two nodes share the queue: every event delivered once, each member's in order")
  void twoNodes() throws Exception {
    Tenant tenant = engine.createTenant("wh-nodes");
    try (WebhookReceiver receiver = receiver();
         TestEngine second = TestEngine.startNode(engine, engine.env().entrySet().stream()
             .filter(e -> e.getKey().startsWith("LOYALTY_WEBHOOKS_") || e.getKey().startsWith("LOYALTY_JOBS_")
                 || e.getKey().startsWith("LOYALTY_FULFILLMENT_") || e.getKey().startsWith("LOYALTY_RELAY_"))
             .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)))) {
      JsonObject hook = subscribe(engine, tenant.adminKey(), receiver.url("/both"), "*");
      receiver.secret("/both", hook.getString("secret"));
      for (int m = 0; m < 8; m++) {
        engine.enrol(tenant.adminKey(), "node-" + m);
        for (int a = 0; a < 4; a++) {
          adjust(engine, tenant.adminKey(), "node-" + m, "node-" + m + "-" + a, 1);
        }
      }
      feed();
      assertTrue(eventually(20_000, () -> deliveries(hook.getString("id"), "status = 'delivered'") == 40));
      assertEquals(expected(tenant, List.of("*")), acceptedPerMember(receiver, "/both"));
      assertEquals(0, engine.queryLong("select count(*) from webhook_deliveries where lease_owner is not null"),
          "no lease left behind");
    }
  }
}
