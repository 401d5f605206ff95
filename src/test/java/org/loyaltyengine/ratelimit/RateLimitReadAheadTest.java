package org.loyaltyengine.ratelimit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;
import org.loyaltyengine.testing.TestEngine;

import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rate limiter's script call also reads one more key when asked (the member reads' document): one Redis
 * round trip decides and reads. A refused request reads nothing; when Redis fails the local limiter decides and
 * nothing is read (the caller reads on its own path, which has its own fallback).
 */
@DisplayName("One Redis call takes the rate limits and reads a document")
class RateLimitReadAheadTest {
  static final String PREFIX = "testreadahead" + Long.toHexString(System.nanoTime());
  static final AppConfig.RateLimit LIMITS = new AppConfig.RateLimit(true, 1000, 1000, 1000, 1000, 1000, 1, 1000);
  static Vertx vertx;
  static Redis redis;
  static Redis unreachable;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, TestEngine.REDIS_URL);
    unreachable = Redis.createClient(vertx, "redis://127.0.0.1:" + TestEngine.freePort()); // nothing listens there
  }

  @AfterAll
  static void stop() {
    TestEngine.deleteRedisKeys(vertx, PREFIX);
    redis.close();
    unreachable.close();
    vertx.close().await();
  }

  static RateLimitClient client(Redis to) {
    CircuitBreaker breaker = CircuitBreaker.create("rl-test-" + UUID.randomUUID(), vertx,
        new CircuitBreakerOptions().setTimeout(-1).setMaxFailures(100));
    return new RateLimitClient(new org.loyaltyengine.platform.RedisLink(to), breaker, new LocalLimiter(1000, System::nanoTime), PREFIX, LIMITS, 1000,
        new SimpleMeterRegistry());
  }

  static Caller caller(int perSecond, int burst) {
    Quota q = new Quota(perSecond, burst);
    return new Caller(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.READ), new Quotas(q, null));
  }

  static Acquired acquire(RateLimitClient client, Caller caller, String readKey) {
    return client.acquire(caller, readKey).toCompletionStage().toCompletableFuture().join();
  }

  @Test
  @DisplayName("an allowed request gets the key's bytes exactly (or null when absent) with its verdict")
  void allowedReadsTheKey() {
    String key = PREFIX + ":mv:doc";
    String stored = "7|42|1|9|{\"name\":\"Zoë\"}\n{}\n";
    redis.send(Request.cmd(Command.SET).arg(key).arg(stored)).await();
    RateLimitClient client = client(redis);
    Caller caller = caller(10, 5);

    Acquired found = acquire(client, caller, key);
    assertTrue(found.verdict().allowed());
    assertEquals(5, found.verdict().limit());
    assertEquals(4, found.verdict().remaining(), "the same bucket accounting as without a read");
    assertTrue(found.read());
    assertEquals(stored, new String(found.value(), java.nio.charset.StandardCharsets.UTF_8));

    Acquired absent = acquire(client, caller, PREFIX + ":mv:nobody");
    assertTrue(absent.read(), "Redis answered: the key is known to be absent");
    assertNull(absent.value());
    assertEquals(3, absent.verdict().remaining());

    Acquired plain = acquire(client, caller, null);
    assertTrue(plain.verdict().allowed());
    assertFalse(plain.read(), "nothing asked, nothing read");
  }

  @Test
  @DisplayName("a key over its limit is refused and reads nothing")
  void refusedReadsNothing() {
    String key = PREFIX + ":mv:limited";
    redis.send(Request.cmd(Command.SET).arg(key).arg("1|1|1|1|{}\n{}\n")).await();
    RateLimitClient client = client(redis);
    Caller caller = caller(1, 2);
    assertTrue(acquire(client, caller, key).read());
    assertTrue(acquire(client, caller, key).read());
    Acquired refused = acquire(client, caller, key);
    assertFalse(refused.verdict().allowed());
    assertEquals(0, refused.verdict().remaining());
    assertTrue(refused.verdict().retryAfterSeconds() >= 1);
    assertFalse(refused.read());
    assertFalse(refused.failed());
    assertNull(refused.value());
  }

  @Test
  @DisplayName("Redis unreachable: the node's local limiter decides (and still refuses past the limit), nothing is read")
  void redisDownDecidesLocally() {
    RateLimitClient client = client(unreachable);
    Caller caller = caller(1, 2);
    Acquired first = acquire(client, caller, PREFIX + ":mv:any");
    assertTrue(first.verdict().allowed());
    assertFalse(first.read());
    assertTrue(first.failed(), "Redis failed this request: its read goes to PostgreSQL, not to Redis again");
    assertTrue(acquire(client, caller, PREFIX + ":mv:any").verdict().allowed());
    Acquired third = acquire(client, caller, PREFIX + ":mv:any");
    assertFalse(third.verdict().allowed(), "the local limiter holds the key to its burst");
    assertFalse(third.read());
    assertFalse(third.failed(), "a refused request reads nothing anywhere");
  }
}
