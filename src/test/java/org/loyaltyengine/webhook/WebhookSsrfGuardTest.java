package org.loyaltyengine.webhook;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;
import static org.loyaltyengine.webhook.WebhookFixtures.adjust;
import static org.loyaltyengine.webhook.WebhookFixtures.subscribe;

/** The SSRF guard end to end: at subscription (a clear 422) and at every delivery (the address connected to). */
@DisplayName("Webhook SSRF guard")
class WebhookSsrfGuardTest {
  static Vertx vertx;
  /** No allow-list: nothing internal may be reached. */
  static TestEngine strict;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    strict = TestEngine.start(Map.of("LOYALTY_WEBHOOKS_ALLOWED_TARGETS", "", "LOYALTY_JOBS_ENABLED", "false",
        "LOYALTY_FULFILLMENT_ENABLED", "false", "LOYALTY_RELAY_POLL_MS", "50", "LOYALTY_WEBHOOKS_POLL_MS", "50",
        "LOYALTY_WEBHOOKS_BACKOFF_BASE_MS", "20", "LOYALTY_WEBHOOKS_BACKOFF_CAP_MS", "100"));
    tenant = strict.createTenant("ssrf");
  }

  @AfterAll
  static void stop() {
    strict.close();
    vertx.close().await();
  }

  private static Reply create(TestEngine engine, String key, String url) {
    return engine.post("/v1/webhooks", key, new JsonObject().put("url", url).put("eventTypes", new JsonArray().add("*")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://10.0.0.5/hook",
      "https://192.168.1.10/hook", "http://172.20.0.1/hook", "http://[fd12::1]/hook", "http://169.254.10.1/hook",
      "http://[fe80::1]/hook", "http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]/",
      "http://0.0.0.0:9000/", "http://224.0.0.1/", "http://localhost:9/hook"})
  @DisplayName("a webhook URL on a loopback, private, link-local, metadata, unspecified or multicast address is 422 webhook_target_forbidden on url")
  void refusedAtSubscription(String url) {
    Reply r = create(strict, tenant.adminKey(), url);
    assertEquals(422, r.status(), r.body().toString());
    assertEquals("webhook_target_forbidden", r.errorCode());
    assertEquals("url", r.errorField());
    assertEquals(0, strict.queryLong("select count(*) from webhook_subscriptions where url = ?", url));
  }

  @Test
  @DisplayName("a host name that later resolves to loopback is refused at delivery: nothing is sent, the log says why")
  void refusedAtDelivery() {
    try (WebhookReceiver receiver = WebhookReceiver.start(vertx)) {
      // Accepted while its name does not resolve; then "DNS" changes (here: the stored URL is pointed at
      // localhost, which resolves to 127.0.0.1) — the check at delivery is the one that counts.
      JsonObject hook = subscribe(strict, tenant.adminKey(), "http://hooks.example.invalid/loyalty", "*");
      String id = hook.getString("id");
      strict.execute("update webhook_subscriptions set url = ? where id = ?::uuid",
          "http://localhost:" + receiver.port + "/rebound", id);
      strict.enrol(tenant.adminKey(), "ssrf-1");
      adjust(strict, tenant.adminKey(), "ssrf-1", "ssrf-adj-1", 5);
      assertTrue(eventually(20_000, () -> strict.queryLong("select count(*) from webhook_deliveries"
          + " where subscription_id = ?::uuid and attempts > 0 and last_error like '%loopback%'", id) >= 1),
          "the dispatcher tried and the guard refused the address");
      assertEquals(List.of(), receiver.all("/rebound"), "not one request reached the loopback receiver");
      assertEquals(0, strict.queryLong("select count(*) from webhook_deliveries where subscription_id = ?::uuid"
          + " and status = 'delivered'", id));
    }
  }

  @Test
  @DisplayName("with 127.0.0.1 on the operator's allow-list a loopback webhook is accepted and delivered")
  void allowListPermits() {
    try (TestEngine allowed = TestEngine.start(Map.of("LOYALTY_WEBHOOKS_ALLOWED_TARGETS", "127.0.0.1",
        "LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false", "LOYALTY_RELAY_POLL_MS", "50",
        "LOYALTY_WEBHOOKS_POLL_MS", "50"));
         WebhookReceiver receiver = WebhookReceiver.start(vertx)) {
      Tenant t = allowed.createTenant("ssrf-allowed");
      JsonObject hook = subscribe(allowed, t.adminKey(), receiver.url("/allowed"), "*");
      receiver.secret("/allowed", hook.getString("secret"));
      assertEquals(422, create(allowed, t.adminKey(), "http://10.0.0.5/hook").status(), "only what is listed");
      allowed.enrol(t.adminKey(), "ok-1");
      assertTrue(eventually(20_000, () -> !receiver.accepted("/allowed").isEmpty()), "delivered to 127.0.0.1");
    }
  }
}
