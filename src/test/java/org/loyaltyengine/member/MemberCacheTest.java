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

  private static CachedMember member(long available, long version) {
    return new CachedMember(version, 1, 0, "{\"available\":" + available + "}", "{\"profile\":true}");
  }

  private static Optional<CachedMember> get(String externalId) {
    return cache.get(TENANT, externalId).await();
  }

  private static long available(String externalId) {
    String status = get(externalId).orElseThrow().statusJson();
    return Long.parseLong(status.replaceAll("\\D", ""));
  }

  @Test
  @DisplayName("a stored member is read back exactly, whatever its JSON holds")
  void roundTrip() {
    CachedMember m = new CachedMember(3, 42, 7, "{\"status\":\"active\"}", "{\"name\":\"a|b\\nc\"}");
    cache.put(TENANT, "rt", m).await();
    assertEquals(Optional.of(m), get("rt"));
  }

  @Test
  @DisplayName("after a write's fence, the snapshot read before the write is refused")
  void staleReadAfterWriteIsRefused() {
    cache.put(TENANT, "race", member(100, 1)).await();
    cache.invalidate(TENANT, "race", 2).await();   // writer committed version 2
    assertEquals(Optional.empty(), get("race"), "a fence reads as a miss");
    cache.put(TENANT, "race", member(100, 1)).await(); // a slow reader arrives with version 1
    assertEquals(Optional.empty(), get("race"), "the stale snapshot was not stored");
    cache.put(TENANT, "race", member(150, 2)).await();
    assertEquals(150, available("race"));
  }

  @Test
  @DisplayName("an older snapshot never replaces a newer one")
  void olderNeverReplacesNewer() {
    cache.put(TENANT, "order", member(300, 7)).await();
    cache.put(TENANT, "order", member(200, 6)).await();
    assertEquals(300, available("order"));
  }

  @Test
  @DisplayName("a late fence for an older write does not hide a newer cached snapshot")
  void lateOlderFenceIsIgnored() {
    cache.put(TENANT, "late", member(500, 9)).await();
    cache.invalidate(TENANT, "late", 8).await();
    assertEquals(500, available("late"));
  }

  @Test
  @DisplayName("entries expire: a TTL bounds any staleness")
  void entriesHaveTtl() {
    cache.put(TENANT, "ttl", member(1, 1)).await();
    long ttl = redis.send(Request.cmd(Command.PTTL).arg(cache.key(TENANT, "ttl"))).await().toLong();
    assertTrue(ttl > 0 && ttl <= 60_000, "ttl " + ttl);
  }
}
