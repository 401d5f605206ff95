package org.loyaltyengine.member;

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
import org.loyaltyengine.testing.TestEngine;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Documents only move forward: an older one can never overwrite a newer one, whatever the interleaving. */
@DisplayName("The read model's document store in Redis")
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
    cache = new MemberCache(redis, breaker, PREFIX, 60, 250, new SimpleMeterRegistry());
  }

  @AfterAll
  static void stop() {
    TestEngine.deleteRedisKeys(vertx, PREFIX);
    redis.close();
    vertx.close().await();
  }

  private static CachedMember member(long available, long version) {
    return new CachedMember(version, 1, 0, Long.MAX_VALUE, "{\"available\":" + available + "}", "{\"profile\":true}",
        "{\"items\":[],\"nextCursor\":null}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static void put(String externalId, CachedMember m) {
    assertTrue(cache.putAll(TENANT, Map.of(externalId, m)).await(), "stored");
  }

  private static Optional<CachedMember> get(String externalId) {
    return cache.get(TENANT, externalId).await();
  }

  private static long available(String externalId) {
    String status = get(externalId).orElseThrow().statusJson();
    return Long.parseLong(status.replaceAll("\\D", ""));
  }

  @Test
  @DisplayName("a stored document is read back exactly, whatever its JSON holds (separators in strings, any UTF-8)")
  void roundTrip() {
    CachedMember m = new CachedMember(3, 42, 7, 1_800_000_000_000L, "{\"status\":\"active\"}", "{\"name\":\"a|b\\nc Zażółć 🎉\"}",
        new byte[] {'x', '|', '\n', 0, (byte) 0xff, '|'}); // a deflated history is any bytes
    put("rt", m);
    assertEquals(Optional.of(m), get("rt"));
  }

  @Test
  @DisplayName("a document carries the version of the history it holds; one written without it reads as unknown (-1)")
  void historyVersionRoundTrip() {
    CachedMember m = new CachedMember(4, 42, 7, Long.MAX_VALUE, "{\"s\":1}", "{\"p\":2}", 31,
        new byte[] {'x', '#', '|', '\n', 9});
    put("hv", m);
    CachedMember read = get("hv").orElseThrow();
    assertEquals(m, read);
    assertEquals(31, read.historyVersion());
    assertEquals("{\"p\":2}", read.profileJson());
    org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {'x', '#', '|', '\n', 9}, read.history());
    CachedMember older = new CachedMember(4, 42, 7, Long.MAX_VALUE, "{}", "{}", new byte[] {'0'});
    put("hv-old", older);
    assertEquals(-1, get("hv-old").orElseThrow().historyVersion());
  }

  @Test
  @DisplayName("a reader's older document, stored after a writer's newer one, is refused")
  void staleReadAfterWriteIsRefused() {
    put("race", member(150, 2)); // the writer stored version 2 after its commit
    put("race", member(100, 1)); // a slow reader arrives with version 1
    assertEquals(150, available("race"));
  }

  @Test
  @DisplayName("an older document never replaces a newer one; the same version is stored again")
  void olderNeverReplacesNewer() {
    put("order", member(300, 7));
    put("order", member(200, 6));
    assertEquals(300, available("order"));
    CachedMember again = new CachedMember(7, 1, 5, Long.MAX_VALUE, "{\"available\":300}", "{}", new byte[] {'0'});
    put("order", again); // same state rendered with a newer tier set
    assertEquals(5, get("order").orElseThrow().tiersVersion());
  }

  @Test
  @DisplayName("many members of one tenant are stored in one call, each only moving forward")
  void storesManyInOneCall() {
    put("many-a", member(10, 5));
    assertTrue(cache.putAll(TENANT, new java.util.LinkedHashMap<>(Map.of(
        "many-a", member(1, 4), "many-b", member(2, 1), "many-c", member(3, 1)))).await());
    assertEquals(10, available("many-a"));
    assertEquals(2, available("many-b"));
    assertEquals(3, available("many-c"));
  }

  @Test
  @DisplayName("documents expire: a TTL (at most 10 % shorter at random) bounds the memory of members nobody writes")
  void entriesHaveTtl() {
    put("ttl", member(1, 1));
    long ttl = redis.send(Request.cmd(Command.PTTL).arg(cache.key(TENANT, "ttl"))).await().toLong();
    assertTrue(ttl > 54_000 && ttl <= 60_000, "ttl " + ttl);
  }

  @Test
  @DisplayName("a document is served only with the tier set it was rendered with and before its validity ends")
  void servability() {
    CachedMember m = new CachedMember(1, 1, 3, 1_000, "{}", "{}", new byte[] {'0'});
    assertTrue(m.servable(3, 999));
    assertFalse(m.servable(3, 1_000), "its expiring-soon or tier window would read differently from now on");
    assertFalse(m.servable(4, 999), "a newer tier set renders tiers differently");
  }
}
