package org.loyaltyengine.tenant;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("API key cache")
class ApiKeyCacheTest {
  final AtomicLong now = new AtomicLong(1_000);
  final Caller caller = new Caller(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.POS));

  @Test
  @DisplayName("a remembered key is served until its TTL, then must be re-read")
  void ttl() {
    ApiKeyCache cache = new ApiKeyCache(1000, 10, now::get);
    cache.remember("h", Optional.of(caller));
    now.addAndGet(999_999_999L);
    assertEquals(Optional.of(Optional.of(caller)), cache.lookup("h"));
    now.addAndGet(1);
    assertEquals(Optional.empty(), cache.lookup("h"));
  }

  @Test
  @DisplayName("unknown keys are remembered too, so a flood of bad keys does not reach the database")
  void negativeEntries() {
    ApiKeyCache cache = new ApiKeyCache(1000, 10, now::get);
    cache.remember("bad", Optional.empty());
    assertEquals(Optional.of(Optional.empty()), cache.lookup("bad"));
  }

  @Test
  @DisplayName("invalidation removes a key at once")
  void invalidate() {
    ApiKeyCache cache = new ApiKeyCache(1000, 10, now::get);
    cache.remember("h", Optional.of(caller));
    cache.invalidate("h");
    assertEquals(Optional.empty(), cache.lookup("h"));
  }

  @Test
  @DisplayName("the cache never holds more than its bound")
  void bounded() {
    ApiKeyCache cache = new ApiKeyCache(1000, 100, now::get);
    for (int i = 0; i < 1000; i++) {
      cache.remember("k" + i, Optional.empty());
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
