package org.loyaltyengine.ratelimit;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Protection settings: rateLimit.* and admission.* in conf/application.yaml, LOYALTY_* overrides")
class ProtectionConfigTest {
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
  @DisplayName("the defaults are the documented ones")
  void defaults() {
    AppConfig c = ConfigLoader.load(vertx, Map.of());
    assertEquals(new AppConfig.RateLimit(true, 10_000, 20_000, 20_000, 40_000, 50, 1, 100_000), c.rateLimit());
    assertEquals(new AppConfig.Admission(2048, 1, 256, true, 50, 100, 64), c.admission());
    assertEquals(1024, c.pg().maxWaitQueue());
    assertEquals(2048, c.redis().maxWaitingHandlers());
    assertEquals(2048, c.redis().options().getMaxWaitingHandlers());
  }

  @Test
  @DisplayName("every key is overridden by its LOYALTY_ variable")
  void overrides() {
    AppConfig c = ConfigLoader.load(vertx, Map.ofEntries(
        Map.entry("LOYALTY_RATE_LIMIT_ENABLED", "false"), Map.entry("LOYALTY_RATE_LIMIT_KEY_PER_SECOND", "5"),
        Map.entry("LOYALTY_RATE_LIMIT_KEY_BURST", "6"), Map.entry("LOYALTY_RATE_LIMIT_TENANT_PER_SECOND", "7"),
        Map.entry("LOYALTY_RATE_LIMIT_TENANT_BURST", "8"), Map.entry("LOYALTY_RATE_LIMIT_REDIS_TIMEOUT_MS", "9"),
        Map.entry("LOYALTY_RATE_LIMIT_FALLBACK_NODES", "3"), Map.entry("LOYALTY_RATE_LIMIT_LOCAL_MAX_ENTRIES", "1000"),
        Map.entry("LOYALTY_ADMISSION_MAX_IN_FLIGHT", "64"), Map.entry("LOYALTY_ADMISSION_RETRY_AFTER_SECONDS", "2"),
        Map.entry("LOYALTY_ADMISSION_RULES_MAX_PENDING", "32"), Map.entry("LOYALTY_ADMISSION_LATENCY_SHEDDING", "false"),
        Map.entry("LOYALTY_ADMISSION_LATENCY_TARGET_MS", "20"), Map.entry("LOYALTY_ADMISSION_LATENCY_INTERVAL_MS", "50"),
        Map.entry("LOYALTY_ADMISSION_LATENCY_MIN_IN_FLIGHT", "8"), Map.entry("LOYALTY_PG_MAX_WAIT_QUEUE", "16"),
        Map.entry("LOYALTY_REDIS_MAX_WAITING_HANDLERS", "128")));
    assertEquals(new AppConfig.RateLimit(false, 5, 6, 7, 8, 9, 3, 1000), c.rateLimit());
    assertEquals(new AppConfig.Admission(64, 2, 32, false, 20, 50, 8), c.admission());
    assertEquals(16, c.pg().maxWaitQueue());
    assertEquals(128, c.redis().options().getMaxPoolWaiting());
  }

  @Test
  @DisplayName("unbounded or empty bounds are refused at start-up, naming the variable")
  void badValuesFailFast() {
    for (Map.Entry<String, String> bad : Map.of("LOYALTY_ADMISSION_MAX_IN_FLIGHT", "0",
        "LOYALTY_RATE_LIMIT_KEY_PER_SECOND", "0", "LOYALTY_RATE_LIMIT_TENANT_BURST", "-1",
        "LOYALTY_PG_MAX_WAIT_QUEUE", "0", "LOYALTY_REDIS_MAX_WAITING_HANDLERS", "0",
        "LOYALTY_ADMISSION_LATENCY_TARGET_MS", "0", "LOYALTY_ADMISSION_LATENCY_MIN_IN_FLIGHT", "0").entrySet()) {
      ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(vertx, Map.of(bad.getKey(), bad.getValue())));
      assertTrue(e.getMessage().startsWith(bad.getKey() + " must be between"), e.getMessage());
    }
  }
}
