package org.loyaltyengine.member;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Status and profile are served read-through from Redis")
class MemberReadCachingTest {
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start();
    tenant = engine.createTenant("caching");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  private static String cached(String externalId) {
    return engine.redisGet(engine.memberCacheKey(tenant.id(), externalId));
  }

  private static void awaitCached(String externalId) throws InterruptedException {
    for (int i = 0; i < 100 && (cached(externalId) == null || cached(externalId).endsWith("|")); i++) {
      Thread.sleep(20); // the cache fill is not awaited by the read that triggers it
    }
  }

  @Test
  @DisplayName("the first read fills the cache with the versioned snapshot, later reads are served from it")
  void firstReadFillsCache() throws InterruptedException {
    engine.enrol(tenant.adminKey(), "c1");
    engine.get("/v1/members/c1/status", tenant.adminKey());
    awaitCached("c1");
    String value = cached("c1");
    assertNotNull(value);
    assertTrue(value.matches("(?s)\\d+\\|\\d+\\|\\d+\\|\\{.*\"externalId\":\"c1\".*"), value);

    // A change behind the engine's back is not seen while the entry lives: proof reads come from Redis.
    engine.execute("update members set first_name = 'Changed' where external_id = 'c1'");
    assertEquals(null, engine.get("/v1/members/c1", tenant.adminKey()).json().getString("firstName"));
  }

  @Test
  @DisplayName("a profile change through the API is visible on the very next read")
  void patchInvalidates() throws InterruptedException {
    engine.enrol(tenant.adminKey(), "c2");
    engine.get("/v1/members/c2", tenant.adminKey());
    awaitCached("c2");
    engine.patch("/v1/members/c2", tenant.adminKey(), new JsonObject().put("firstName", "Zofia").put("status", "blocked"));
    assertEquals("Zofia", engine.get("/v1/members/c2", tenant.adminKey()).json().getString("firstName"));
    assertEquals("blocked", engine.get("/v1/members/c2/status", tenant.adminKey()).json().getString("status"));
  }

  @Test
  @DisplayName("a points change (balance version bump) is visible once its writer invalidates the entry")
  void balanceVersionOrdersSnapshots() throws InterruptedException {
    engine.enrol(tenant.adminKey(), "c3");
    engine.get("/v1/members/c3/status", tenant.adminKey());
    awaitCached("c3");
    long before = Long.parseLong(cached("c3").substring(0, cached("c3").indexOf('|')));
    // What the earning feature's transaction will do: move points and bump the balance version.
    engine.execute("update member_balances set available = 42, lifetime_earned = 42, version = version + 1"
        + " where member_id = (select id from members where external_id = 'c3')");
    engine.patch("/v1/members/c3", tenant.adminKey(), new JsonObject().put("lastName", "Points"));
    JsonObject status = engine.get("/v1/members/c3/status", tenant.adminKey()).json();
    assertEquals(42, status.getJsonObject("points").getLong("available"));
    awaitCached("c3");
    long after = Long.parseLong(cached("c3").substring(0, cached("c3").indexOf('|')));
    assertEquals(before + 2, after, "member and balance versions both count");
  }
}
