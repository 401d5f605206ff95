package org.loyaltyengine.member;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The version fence: an older snapshot can never overwrite a newer one, whatever the interleaving. */
@DisplayName("Member snapshot cache in Redis")
class MemberCacheTest {
  static final String PREFIX = "testcache" + Long.toHexString(System.nanoTime());
  static Vertx vertx;
  static Redis redis;
  static MemberCache cache;
  static final UUID TENANT = UUID.randomUUID();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, TestEngine.REDIS_URL);
    CircuitBreaker breaker = CircuitBreaker.create("redis-test", vertx, new CircuitBreakerOptions().setTimeout(1000));
    cache = new MemberCache(redis, breaker, PREFIX, 60, new SimpleMeterRegistry());
  }

  @AfterAll
  static void stop() {
    Response keys = redis.send(Request.cmd(Command.KEYS).arg(PREFIX + ":*")).await();
    for (Response k : keys) {
      redis.send(Request.cmd(Command.DEL).arg(k.toString())).await();
    }
    redis.close();
    vertx.close().await();
  }

  private static MemberSnapshot snapshot(String externalId, long available, long version) {
    return new MemberSnapshot(1, externalId, null, null, "Ann", null, null, Map.of("k", "v"), MemberStatus.ACTIVE,
        "gold", Instant.parse("2027-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z"), available, 0,
        available, 7, available, 0, 0, version);
  }

  private static Optional<MemberSnapshot> get(String externalId) {
    return cache.get(TENANT, externalId).await();
  }

  @Test
  @DisplayName("a stored snapshot is read back field for field")
  void roundTrip() {
    MemberSnapshot s = snapshot("rt", 120, 3);
    cache.put(TENANT, s).await();
    assertEquals(Optional.of(s), get("rt"));
  }

  @Test
  @DisplayName("after a write's fence, the snapshot read before the write is refused")
  void staleReadAfterWriteIsRefused() {
    cache.put(TENANT, snapshot("race", 100, 1)).await();
    cache.invalidate(TENANT, "race", 2).await();   // writer committed version 2
    assertEquals(Optional.empty(), get("race"), "a fence reads as a miss");
    cache.put(TENANT, snapshot("race", 100, 1)).await(); // a slow reader arrives with version 1
    assertEquals(Optional.empty(), get("race"), "the stale snapshot was not stored");
    cache.put(TENANT, snapshot("race", 150, 2)).await();
    assertEquals(150, get("race").orElseThrow().available());
  }

  @Test
  @DisplayName("an older snapshot never replaces a newer one")
  void olderNeverReplacesNewer() {
    cache.put(TENANT, snapshot("order", 300, 7)).await();
    cache.put(TENANT, snapshot("order", 200, 6)).await();
    assertEquals(300, get("order").orElseThrow().available());
  }

  @Test
  @DisplayName("a late fence for an older write does not hide a newer cached snapshot")
  void lateOlderFenceIsIgnored() {
    cache.put(TENANT, snapshot("late", 500, 9)).await();
    cache.invalidate(TENANT, "late", 8).await();
    assertEquals(500, get("late").orElseThrow().available());
  }

  @Test
  @DisplayName("entries expire: a TTL bounds any staleness")
  void entriesHaveTtl() {
    cache.put(TENANT, snapshot("ttl", 1, 1)).await();
    long ttl = redis.send(Request.cmd(Command.PTTL).arg(cache.key(TENANT, "ttl"))).await().toLong();
    assertTrue(ttl > 0 && ttl <= 60_000, "ttl " + ttl);
  }
}
