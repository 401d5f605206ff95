package org.loyaltyengine.webhook;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.events.DomainEvent;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.webhook.WebhookFixtures.adjust;
import static org.loyaltyengine.testing.Eventually.eventually;
import static org.loyaltyengine.webhook.WebhookFixtures.subscribe;

/**
 * The whole path on one node without Kafka: a change writes the outbox, the relay hands it to the webhooks
 * consumer over the event bus, the dispatcher delivers it — through an outage of the receiver.
 */
@DisplayName("Webhooks fed by the live event stream")
class WebhookLiveFeedTest {
  static Vertx vertx;
  static TestEngine engine;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_RELAY_POLL_MS", "50", "LOYALTY_WEBHOOKS_POLL_MS", "50", "LOYALTY_WEBHOOKS_BACKOFF_BASE_MS", "20",
        "LOYALTY_WEBHOOKS_BACKOFF_CAP_MS", "200", "LOYALTY_WEBHOOKS_CIRCUIT_RESET_MS", "300"));
  }

  @AfterAll
  static void stop() {
    engine.close();
    vertx.close().await();
  }

  @Test
  @DisplayName("receiver down, then back: every event of every member delivered once, in order, validly signed")
  void deliversThroughAnOutage() throws Exception {
    Tenant tenant = engine.createTenant("wh-live");
    try (WebhookReceiver receiver = WebhookReceiver.start(vertx)) {
      JsonObject hook = subscribe(engine, tenant.adminKey(), receiver.url("/live"), "*");
      receiver.secret("/live", hook.getString("secret"));
      receiver.mode(WebhookReceiver.Mode.FAIL_503);
      for (int m = 0; m < 3; m++) {
        engine.enrol(tenant.adminKey(), "live-" + m);
        for (int a = 0; a < 3; a++) {
          adjust(engine, tenant.adminKey(), "live-" + m, "live-" + m + "-" + a, 10 + a);
        }
      }
      String id = hook.getString("id");
      assertTrue(eventually(20_000, () -> engine.queryLong(
          "select count(*) from webhook_deliveries where subscription_id = ?::uuid and attempts > 0", id) >= 1),
          "the relay fed the consumer and the dispatcher tried");
      receiver.mode(WebhookReceiver.Mode.OK);
      assertTrue(eventually(30_000, () -> engine.queryLong(
          "select count(*) from webhook_deliveries where subscription_id = ?::uuid and status = 'delivered'", id) == 12));
      Map<String, List<Long>> expected = new LinkedHashMap<>();
      for (DomainEvent e : engine.outboxEvents()) {
        if (e.tenantId().toString().equals(tenant.id())) {
          expected.computeIfAbsent(e.memberExternalId(), k -> new ArrayList<>()).add(e.eventId());
        }
      }
      Map<String, List<Long>> accepted = new LinkedHashMap<>();
      receiver.accepted("/live").forEach(r -> accepted.computeIfAbsent(r.externalId(), k -> new ArrayList<>()).add(r.eventId()));
      assertEquals(expected, accepted, "every event of every member, once, in the order it happened");
      assertTrue(receiver.all("/live").stream().allMatch(WebhookReceiver.Received::signatureValid));
    }
  }
}
