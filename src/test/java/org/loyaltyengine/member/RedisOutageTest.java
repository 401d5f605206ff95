package org.loyaltyengine.member;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.io.IOException;
import java.net.Socket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis is an optimisation: with it gone, reads fall back to PostgreSQL and clients see no error. The
 * shared Redis is never touched; this test runs its own throwaway redis-server and kills it.
 */
@DisplayName("Reads survive a Redis outage")
class RedisOutageTest {
  static int redisPort;
  static Process redis;
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() throws Exception {
    redisPort = TestEngine.freePort();
    redis = startRedis(redisPort);
    engine = TestEngine.start(Map.of("LOYALTY_REDIS_URL", "redis://127.0.0.1:" + redisPort,
        "LOYALTY_REDIS_TIMEOUT_MS", "200", "LOYALTY_REDIS_RESET_MS", "300"));
    tenant = engine.createTenant("outage");
  }

  @AfterAll
  static void stop() {
    engine.close();
    redis.destroyForcibly();
  }

  static Process startRedis(int port) throws Exception {
    Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    for (int i = 0; i < 100; i++) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return p;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("throwaway redis-server did not start on port " + port);
  }

  @Test
  @DisplayName("killing Redis mid-run: every read still answers 200 with current data, readiness names redis")
  void readsFallBackWhenRedisDies() throws Exception {
    engine.enrol(tenant.adminKey(), "o1");
    assertEquals(200, engine.get("/v1/members/o1/status", tenant.adminKey()).status());
    assertEquals(200, engine.get("/health/ready", null).status());

    redis.destroyForcibly().waitFor();

    for (int i = 0; i < 30; i++) { // through the failures that open the circuit, and after it opened
      assertEquals(200, engine.get("/v1/members/o1/status", tenant.adminKey()).status());
      assertEquals(200, engine.get("/v1/members/o1", tenant.adminKey()).status());
      assertEquals(200, engine.get("/v1/members/o1/transactions", tenant.adminKey()).status());
    }
    Reply changed = engine.patch("/v1/members/o1", tenant.adminKey(), new JsonObject().put("status", "blocked"));
    assertEquals(200, changed.status(), "writes do not depend on Redis either");
    assertEquals("blocked", engine.get("/v1/members/o1/status", tenant.adminKey()).json().getString("status"));

    Reply ready = engine.get("/health/ready", null);
    assertEquals(503, ready.status());
    JsonObject redisCheck = ready.json().getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("id").equals("redis")).findFirst().orElseThrow();
    assertEquals("DOWN", redisCheck.getString("status"));

    // Redis comes back (empty, as it keeps nothing on disk): the engine uses it again.
    redis = startRedis(redisPort);
    boolean readyAgain = false;
    for (int i = 0; i < 50 && !readyAgain; i++) {
      Thread.sleep(100);
      readyAgain = engine.get("/health/ready", null).status() == 200;
    }
    assertTrue(readyAgain, "ready again once Redis is back");
    assertEquals("blocked", engine.get("/v1/members/o1/status", tenant.adminKey()).json().getString("status"));
  }

  @Test
  @DisplayName("an engine started while Redis is unreachable serves reads from PostgreSQL")
  void startsAndServesWithoutRedis() {
    try (TestEngine noRedis = TestEngine.start(Map.of("LOYALTY_REDIS_URL", "redis://127.0.0.1:" + TestEngine.freePort()))) {
      Tenant t = noRedis.createTenant("no-redis");
      noRedis.enrol(t.adminKey(), "n1");
      for (int i = 0; i < 10; i++) {
        Reply r = noRedis.get("/v1/members/n1/status", t.adminKey());
        assertEquals(200, r.status());
        assertEquals("n1", r.json().getString("externalId"));
      }
      assertEquals(503, noRedis.get("/health/ready", null).status());
    }
  }
}
