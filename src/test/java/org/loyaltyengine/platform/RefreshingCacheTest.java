package org.loyaltyengine.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("A node cache with single flight and refresh ahead of expiry")
class RefreshingCacheTest {
  static final long MS = 1_000_000L;
  final AtomicLong now = new AtomicLong(0);
  final List<Promise<String>> loads = new ArrayList<>();
  final RefreshingCache<String, String> cache = new RefreshingCache<>(1000, 100, now::get);

  Future<String> get(String key) {
    return cache.get(key, () -> {
      Promise<String> p = Promise.promise();
      loads.add(p);
      return p.future();
    });
  }

  @Test
  @DisplayName("concurrent misses of one key share one load and all get its value")
  void singleFlight() {
    Future<String> a = get("k");
    Future<String> b = get("k");
    Future<String> c = get("k");
    assertEquals(1, loads.size());
    loads.get(0).complete("v1");
    assertEquals("v1", a.result());
    assertEquals("v1", b.result());
    assertEquals("v1", c.result());
    assertEquals("v1", get("k").result(), "then cached");
    assertEquals(1, loads.size());
  }

  @Test
  @DisplayName("from half its TTL an entry is still served while one load refreshes it; past the TTL it is never served")
  void refreshAhead() {
    get("k");
    loads.get(0).complete("v1");
    now.addAndGet(600 * MS);
    assertEquals("v1", get("k").result(), "served at once");
    assertEquals("v1", get("k").result(), "still, and no second refresh");
    assertEquals(2, loads.size());
    loads.get(1).complete("v2");
    assertEquals("v2", get("k").result(), "refreshed");
    now.addAndGet(1000 * MS);
    Future<String> old = get("k");
    assertFalse(old.isComplete(), "past its TTL: the request waits for the load");
    loads.get(2).complete("v3");
    assertEquals("v3", old.result());
  }

  @Test
  @DisplayName("a value is as old as the query that read it: a slow load does not extend its life")
  void ageCountsFromTheLoadsStart() {
    Future<String> f = get("k");
    now.addAndGet(800 * MS);
    loads.get(0).complete("v1");
    assertEquals("v1", f.result());
    now.addAndGet(250 * MS);
    assertFalse(get("k").isComplete(), "1,050 ms after its query began: expired");
  }

  @Test
  @DisplayName("a failed refresh leaves the entry until its TTL and lets the next request try again")
  void failedRefresh() {
    get("k");
    loads.get(0).complete("v1");
    now.addAndGet(600 * MS);
    get("k");
    loads.get(1).fail("database down");
    assertEquals("v1", get("k").result());
    assertEquals(3, loads.size(), "tried again");
  }

  @Test
  @DisplayName("a load begun before an invalidation never stores its result, and later requests do not join it")
  void invalidationBeatsInFlightLoad() {
    Future<String> before = get("key");
    cache.invalidate("key");
    Future<String> after = get("key");
    assertEquals(2, loads.size(), "a fresh load after the invalidation");
    loads.get(0).complete("revoked-key-still-active");
    assertEquals("revoked-key-still-active", before.result(), "answered to the request that started it");
    assertTrue(cache.peek("key") == null, "but not stored");
    loads.get(1).complete("revoked");
    assertEquals("revoked", after.result());
    assertEquals("revoked", cache.peek("key"));
  }
}
