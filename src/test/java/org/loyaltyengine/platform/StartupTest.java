package org.loyaltyengine.platform;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Start-up")
class StartupTest {

  @Test
  @DisplayName("a missing database is created and migrated at start-up, and a restart on it is harmless")
  void createsAndMigratesDatabase() {
    try (TestEngine engine = TestEngine.start()) {
      assertEquals(1, engine.queryLong("select count(*) from flyway_schema_history where success and version = '1'"));
      assertEquals(0, engine.queryLong("select count(*) from members"));
      engine.stopServer();
      LoyaltyServer again = LoyaltyServer.start(engine.env());
      again.close();
    }
  }

  @Test
  @DisplayName("an unreachable PostgreSQL fails start-up with a one-line reason")
  void unreachableDatabaseFailsFast() {
    int deadPort = TestEngine.freePort();
    ConfigException e = assertThrows(ConfigException.class, () -> LoyaltyServer.start(Map.of(
        "LOYALTY_PG_URL", "postgresql://postgres@127.0.0.1:" + deadPort + "/x",
        "LOYALTY_HTTP_PORT", String.valueOf(TestEngine.freePort()))));
    assertTrue(e.getMessage().startsWith("cannot reach PostgreSQL at 127.0.0.1:" + deadPort), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"));
  }
}
