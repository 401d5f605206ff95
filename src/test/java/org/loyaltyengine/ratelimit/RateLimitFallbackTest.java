package org.loyaltyengine.ratelimit;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.ThrowawayRedis;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis holds the shared buckets; when it dies or hangs, each node's local limiter takes over: requests are
 * still limited and nobody gets a 5xx. The shared Redis is never touched: the engine runs on a throwaway
 * redis-server that the test kills or freezes.
 */
@DisplayName("Rate limits when Redis is down or slow: the node's own limiter takes over")
class RateLimitFallbackTest {
  int redisPort;
  Process redis;
  TestEngine engine;
  Tenant tenant;

  @BeforeEach
  void start() throws Exception {
    redisPort = TestEngine.freePort();
    redis = ThrowawayRedis.start(redisPort);
    engine = TestEngine.start(Map.of("LOYALTY_REDIS_URL", "redis://127.0.0.1:" + redisPort,
        "LOYALTY_REDIS_TIMEOUT_MS", "200", "LOYALTY_REDIS_RESET_MS", "300", "LOYALTY_RATE_LIMIT_REDIS_TIMEOUT_MS", "50"));
    tenant = engine.createTenant("fallback");
  }

  @AfterEach
  void stop() throws Exception {
    if (redis.isAlive()) {
      resume(); // never leave a stopped process behind
    }
    engine.close();
    redis.destroyForcibly().waitFor();
  }

  String limitedKey(int perSecond, int burst) {
    Reply created = engine.post("/v1/api-keys", tenant.adminKey(),
        new JsonObject().put("name", "k").put("scopes", new JsonArray(List.of("read"))));
    String id = created.json().getString("id");
    Reply set = engine.send(HttpMethod.PUT, "/v1/api-keys/" + id + "/rate-limit", tenant.adminKey(), "application/json",
        new JsonObject().put("requestsPerSecond", perSecond).put("burst", burst).toBuffer());
    assertEquals(200, set.status());
    return created.json().getString("key");
  }

  /** Sends {@code count} reads; every answer is the handler's 404 or a 429, never a 5xx. Returns the 404s. */
  int send(String key, int count) {
    int allowed = 0;
    for (int i = 0; i < count; i++) {
      Reply r = engine.get("/v1/members/nobody", key);
      assertTrue(r.status() == 404 || r.status() == 429, "no 5xx while Redis is unavailable: " + r.status() + " " + r.body());
      assertNotNull(r.headers().get("ratelimit-limit"), "headers even from the local limiter");
      if (r.status() == 429) {
        assertEquals("rate_limited", r.errorCode());
        assertNotNull(r.headers().get("retry-after"));
      } else {
        allowed++;
      }
    }
    return allowed;
  }

  @Test
  @DisplayName("Redis killed: the local limiter still holds each key to its limit, other keys pass, and nothing answers 5xx")
  void redisDown() throws Exception {
    String key = limitedKey(1, 3);
    String other = limitedKey(1000, 1000);
    assertEquals(3, send(key, 3));
    assertEquals(429, engine.get("/v1/members/nobody", key).status(), "shared limit while Redis is up");

    redis.destroyForcibly().waitFor();
    long start = System.nanoTime();
    int allowed = send(key, 15);
    double elapsedSeconds = (System.nanoTime() - start) / 1e9;
    // The local bucket starts full (it never saw the shared count): at most a burst plus the refill.
    assertTrue(allowed >= 1 && allowed <= 3 + (int) Math.ceil(elapsedSeconds),
        "allowed " + allowed + " of 15 in " + elapsedSeconds + " s");
    assertEquals(10, send(other, 10), "a key within its limit is not refused");
    assertEquals(200, engine.get("/health/live", null).status());
  }

  @Test
  @DisplayName("Redis killed: member reads show PostgreSQL's data with local limits, and a key over its limit still gets 429 without the member")
  void memberReadsWithRedisDown() throws Exception {
    engine.enrol(tenant.adminKey(), "fb-1");
    Reply adjusted = engine.post("/v1/members/fb-1/adjustments", tenant.adminKey(), new JsonObject()
        .put("points", 70).put("reason", "goodwill").put("adjustmentId", "fb-adj-1"));
    assertTrue(adjusted.status() / 100 == 2, adjusted.body().toString());
    String key = limitedKey(1, 2);
    redis.destroyForcibly().waitFor();

    Reply status = engine.get("/v1/members/fb-1/status", key);
    assertEquals(200, status.status(), status.body().toString());
    assertNotNull(status.headers().get("ratelimit-limit"), "the local limiter's headers");
    Reply profile = engine.get("/v1/members/fb-1", key);
    assertEquals(200, profile.status(), profile.body().toString());
    assertEquals("fb-1", profile.json().getString("externalId"));
    int refused = 0;
    for (int i = 0; i < 4; i++) {
      Reply r = engine.get("/v1/members/fb-1/transactions?limit=10", key);
      if (r.status() == 429) {
        assertEquals("rate_limited", r.errorCode());
        assertEquals(null, r.json().getJsonArray("items"), "no member data in a refusal");
        refused++;
      } else {
        assertEquals(200, r.status(), r.body().toString());
      }
    }
    assertTrue(refused > 0, "the local limiter holds the key to its burst of 2");
    Reply admin = engine.get("/v1/members/fb-1/status", tenant.adminKey());
    assertEquals(200, admin.status());
    assertEquals(70, admin.json().getJsonObject("points").getLong("available"), "PostgreSQL's balance: " + admin.body());
  }

  @Test
  @DisplayName("Redis frozen (answers nothing): decisions fall to the local limiter after a short time limit, nothing answers 5xx")
  void redisSlow() throws Exception {
    String key = limitedKey(1, 2);
    assertEquals(2, send(key, 2));
    freeze();
    try {
      long start = System.nanoTime();
      int allowed = send(key, 12);
      double elapsedSeconds = (System.nanoTime() - start) / 1e9;
      assertTrue(allowed <= 2 + (int) Math.ceil(elapsedSeconds), "allowed " + allowed + " of 12 in " + elapsedSeconds + " s");
      assertTrue(allowed < 12, "still limited");
    } finally {
      resume();
    }
  }

  private void freeze() throws Exception {
    ThrowawayRedis.freeze(redis);
  }

  private void resume() throws Exception {
    ThrowawayRedis.resume(redis);
  }
}
