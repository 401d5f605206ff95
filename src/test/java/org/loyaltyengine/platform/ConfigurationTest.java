package org.loyaltyengine.platform;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Configuration: conf/application.yaml overridden by LOYALTY_* variables")
class ConfigurationTest {
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
    assertEquals(8080, c.http().port());
    assertEquals("postgresql://postgres@127.0.0.1:5432/loyalty", c.pg().url());
    assertEquals("", c.pg().readUrl());
    assertTrue(c.pg().replica().isEmpty());
    assertEquals("redis://127.0.0.1:6379", c.redis().url());
    assertFalse(c.operator().enabled());
  }

  @Test
  @DisplayName("each key is overridden by LOYALTY_ + its path in upper snake case")
  void environmentOverrides() {
    AppConfig c = ConfigLoader.load(vertx, Map.of(
        "LOYALTY_HTTP_PORT", "9999",
        "LOYALTY_PG_READ_URL", "postgresql://postgres@127.0.0.1:5432/replica",
        "LOYALTY_REDIS_TIMEOUT_MS", "50",
        "LOYALTY_OPERATOR_TOKEN", "0123456789abcdef",
        "PATH", "/usr/bin"));
    assertEquals(9999, c.http().port());
    assertEquals("replica", c.pg().replica().orElseThrow().getDatabase());
    assertEquals(50, c.redis().timeoutMs());
    assertTrue(c.operator().enabled());
  }

  @Test
  @DisplayName("camelCase keys map to snake case names")
  void envNames() {
    assertEquals("READ_URL", ConfigLoader.envName("readUrl"));
    assertEquals("MEMBER_TTL_SECONDS", ConfigLoader.envName("memberTtlSeconds"));
    assertEquals("PORT", ConfigLoader.envName("port"));
  }

  @Test
  @DisplayName("bad values fail fast with one line naming the variable")
  void badValuesFailFast() {
    assertMessage("LOYALTY_HTTP_PORT must be an integer (got \"eighty\")", Map.of("LOYALTY_HTTP_PORT", "eighty"));
    assertMessage("LOYALTY_HTTP_PORT must be between 0 and 65535 (got 70000)", Map.of("LOYALTY_HTTP_PORT", "70000"));
    assertMessage("LOYALTY_HTTP_ACCESS_LOG must be true or false (got \"yes\")", Map.of("LOYALTY_HTTP_ACCESS_LOG", "yes"));
    assertMessage("LOYALTY_PG_URL must start with postgresql:// (got \"mysql://x/y\")", Map.of("LOYALTY_PG_URL", "mysql://x/y"));
    assertMessage("LOYALTY_REDIS_URL must start with redis:// (got \"localhost\")", Map.of("LOYALTY_REDIS_URL", "localhost"));
    assertMessage("LOYALTY_OPERATOR_TOKEN must be at least 16 characters when set", Map.of("LOYALTY_OPERATOR_TOKEN", "short"));
  }

  @Test
  @DisplayName("a misspelt LOYALTY_ variable is an error, not silently ignored")
  void unknownVariableFails() {
    assertMessage("LOYALTY_HTTP_PROT is not a known setting (see conf/application.yaml)", Map.of("LOYALTY_HTTP_PROT", "1"));
  }

  @Test
  @DisplayName("a missing configuration file named by LOYALTY_CONFIG fails with its path")
  void missingFile() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(vertx, Map.of("LOYALTY_CONFIG", "/nonexistent/app.yaml")));
    assertTrue(e.getMessage().startsWith("cannot read configuration file /nonexistent/app.yaml"), e.getMessage());
  }

  private static void assertMessage(String expected, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(vertx, env));
    assertEquals(expected, e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line");
  }
}
