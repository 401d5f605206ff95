package org.loyaltyengine.webhook;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.platform.ConfigException;
import org.loyaltyengine.platform.ConfigLoader;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("Webhook settings: webhooks.* in conf/application.yaml, LOYALTY_WEBHOOKS_* overrides")
class WebhookSettingsTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  @DisplayName("retries last 24 h by default; every key is overridable")
  void defaultsAndOverrides() {
    AppConfig.Webhooks w = ConfigLoader.load(vertx, Map.of()).webhooks();
    assertEquals(24, w.maxAgeHours());
    assertEquals(10_000, w.timeoutMs());
    AppConfig.Webhooks o = ConfigLoader.load(vertx, Map.of("LOYALTY_WEBHOOKS_MAX_AGE_HOURS", "48",
        "LOYALTY_WEBHOOKS_CONCURRENCY_PER_ENDPOINT", "16")).webhooks();
    assertEquals(48, o.maxAgeHours());
    assertEquals(16, o.concurrencyPerEndpoint());
  }

  @Test
  @DisplayName("a lease shorter than three request time-outs is refused at start-up")
  void leaseOutlivesRequests() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(vertx,
        Map.of("LOYALTY_WEBHOOKS_TIMEOUT_MS", "10000", "LOYALTY_WEBHOOKS_LEASE_MS", "20000")));
    assertEquals("LOYALTY_WEBHOOKS_LEASE_MS must be at least 3 x LOYALTY_WEBHOOKS_TIMEOUT_MS", e.getMessage());
  }
}
