package org.loyaltyengine.fulfillment;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.loyaltyengine.testing.Eventually;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SSRF guard on fulfillment partner URLs (docs/security.md), the same guard as webhooks': refused when a
 * tenant configures the partner (a clear 422), and at every call (the address connected to is the address
 * checked). This engine has no allow-list for partners.
 */
@DisplayName("Partner SSRF guard")
class PartnerSsrfGuardTest {
  static Vertx vertx;
  static TestEngine strict;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    strict = TestEngine.start(Map.of("LOYALTY_FULFILLMENT_ALLOWED_TARGETS", "", "LOYALTY_JOBS_ENABLED", "false",
        "LOYALTY_FULFILLMENT_POLL_MS", "50", "LOYALTY_FULFILLMENT_BACKOFF_BASE_MS", "20",
        "LOYALTY_FULFILLMENT_BACKOFF_CAP_MS", "100"));
    tenant = strict.createTenant("partner-ssrf");
  }

  @AfterEach
  void ledgerStaysExact() {
    assertEquals(0, strict.ledgerInvariantViolations());
  }

  @AfterAll
  static void stop() {
    strict.close();
    vertx.close().await();
  }

  private static Reply configure(String partnerId, String url) {
    return strict.send(HttpMethod.PUT, "/v1/partners/" + partnerId, tenant.adminKey(), "application/json",
        new JsonObject().put("url", url).put("maxAttempts", 3).toBuffer());
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:9090", "http://[::1]:9090", "http://10.0.0.5", "https://192.168.1.10",
      "http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]", "http://0.0.0.0:9000", "http://localhost:9"})
  @DisplayName("a partner URL on a loopback, private, link-local, metadata or unspecified address is 422 partner_target_forbidden on url")
  void refusedWhenConfigured(String url) {
    Reply r = configure("blocked", url);
    assertEquals(422, r.status(), r.body().toString());
    assertEquals("partner_target_forbidden", r.errorCode());
    assertEquals("url", r.errorField());
    assertTrue(r.json().getJsonObject("error").getString("message").contains("LOYALTY_FULFILLMENT_ALLOWED_TARGETS"));
    assertEquals(0, strict.queryLong("select count(*) from partners where url = ?", url), "nothing stored");
  }

  @Test
  @DisplayName("a public address is accepted")
  void publicAccepted() {
    assertEquals(200, configure("public", "https://93.184.216.34/giftcards").status());
  }

  @Test
  @DisplayName("a partner host that later resolves to loopback is refused at the call: no request reaches it, the job says why")
  void refusedAtCall() {
    AtomicInteger requests = new AtomicInteger();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      requests.incrementAndGet();
      req.response().setStatusCode(500).end();
    }).listen(0, "127.0.0.1").await();
    try {
      // Accepted while the name does not resolve; then "DNS" changes (the stored URL is pointed at localhost).
      assertEquals(200, configure("giftco", "http://giftco.example.invalid").status());
      strict.execute("update partners set url = ? where partner_id = 'giftco' and tenant_id = ?::uuid",
          "http://localhost:" + server.actualPort(), tenant.id());
      assertEquals(201, strict.post("/v1/rewards", tenant.adminKey(), new JsonObject().put("rewardId", "gc")
          .put("name", "Gift card").put("type", "gift_card").put("costPoints", 10).put("partner", "giftco")
          .put("partnerSku", "GC-10")).status());
      FulfillmentFixtures.memberWithPoints(strict, tenant.adminKey(), "pam", 100);
      FulfillmentFixtures.redeem(strict, tenant.adminKey(), "ssrf-r1", "pam");
      assertTrue(Eventually.eventually(20_000, () -> strict.queryLong("select count(*) from fulfillment_jobs "
              + "where redemption_id = 'ssrf-r1' and last_error like '%loopback%'") >= 1),
          "the worker tried and the guard refused the address");
      assertEquals(0, requests.get(), "not one request reached the loopback server");
    } finally {
      server.close().await();
    }
  }
}
