package org.loyaltyengine.tenant;

import io.vertx.core.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("API key cache")
class ApiKeyCacheTest {
  final AtomicLong now = new AtomicLong(1_000);
  final Caller caller = new Caller(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.POS));
  final AtomicInteger queries = new AtomicInteger();

  Future<Optional<Caller>> get(ApiKeyCache cache, String hash, Optional<Caller> inDatabase) {
    return cache.get(hash, () -> {
      queries.incrementAndGet();
      return Future.succeededFuture(inDatabase);
    });
  }

  @Test
  @DisplayName("a key is read once, served from the cache, re-read in the background from half its TTL on")
  void ttl() {
    ApiKeyCache cache = new ApiKeyCache(1000, 10, now::get);
    assertEquals(Optional.of(caller), get(cache, "h", Optional.of(caller)).result());
    now.addAndGet(499_999_999L);
    assertEquals(Optional.of(caller), get(cache, "h", Optional.of(caller)).result());
    assertEquals(1, queries.get());
    now.addAndGet(1);
    assertEquals(Optional.of(caller), get(cache, "h", Optional.of(caller)).result());
    assertEquals(2, queries.get(), "refreshed ahead of expiry");
  }

  @Test
  @DisplayName("unknown keys are remembered too, so a flood of the same bad key does not reach the database")
  void negativeEntries() {
    ApiKeyCache cache = new ApiKeyCache(1000, 10, now::get);
    get(cache, "bad", Optional.empty());
    assertEquals(Optional.empty(), get(cache, "bad", Optional.empty()).result());
    assertEquals(1, queries.get());
  }

  @Test
  @DisplayName("invalidation (a revocation) takes effect on the very next request")
  void invalidate() {
    ApiKeyCache cache = new ApiKeyCache(1000, 10, now::get);
    get(cache, "h", Optional.of(caller));
    cache.invalidate("h");
    assertEquals(Optional.empty(), get(cache, "h", Optional.empty()).result(), "read again: revoked");
  }

  @Test
  @DisplayName("a changed tenant limit drops that tenant's keys only")
  void invalidateTenant() {
    ApiKeyCache cache = new ApiKeyCache(1000, 10, now::get);
    Caller other = new Caller(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.POS));
    get(cache, "mine", Optional.of(caller));
    get(cache, "theirs", Optional.of(other));
    cache.invalidateTenant(caller.tenantId());
    assertEquals(1, cache.size());
  }

  @Test
  @DisplayName("the cache never holds more than its bound")
  void bounded() {
    ApiKeyCache cache = new ApiKeyCache(1000, 100, now::get);
    for (int i = 0; i < 1000; i++) {
      get(cache, "k" + i, Optional.empty());
      assertTrue(cache.size() <= 100);
    }
  }

  @Test
  @DisplayName("admin keys may use every scope; others only their own")
  void scopes() {
    Set<Scope> readOnly = Set.of(Scope.READ);
    assertTrue(new Caller(null, null, Set.of(Scope.ADMIN)).mayUse(Set.of(Scope.POS)));
    assertTrue(new Caller(null, null, readOnly).mayUse(Set.of(Scope.READ, Scope.POS)));
    assertEquals(false, new Caller(null, null, readOnly).mayUse(Set.of(Scope.POS)));
  }
}
