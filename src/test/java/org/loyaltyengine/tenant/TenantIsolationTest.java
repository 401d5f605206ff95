package org.loyaltyengine.tenant;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Tenant B's member, seen with tenant A's key, must look exactly like a member that does not exist. */
@DisplayName("Tenant isolation")
class TenantIsolationTest {
  static TestEngine engine;
  static Tenant a;
  static Tenant b;

  @BeforeAll
  static void start() {
    engine = TestEngine.start();
    a = engine.createTenant("tenant-a");
    b = engine.createTenant("tenant-b");
    engine.enrol(b.adminKey(), "shared-id");
    engine.enrol(b.adminKey(), "only-in-b");
    engine.execute("insert into transactions (tenant_id, transaction_id, member_id, occurred_at, total, currency, items, points_earned)"
        + " select tenant_id, 't1', id, now(), 1000, 'EUR', '[]'::jsonb, 10 from members where external_id = 'only-in-b'");
    engine.forgetDocument(b.id(), "only-in-b"); // written behind the engine's back: rebuilt on the next read
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  private static void assertInvisible(Reply r) {
    assertEquals(404, r.status());
    assertEquals("member_not_found", r.errorCode());
  }

  @Test
  @DisplayName("status, profile and transactions of another tenant's member are 404 member_not_found")
  void readsAreIsolated() {
    assertInvisible(engine.get("/v1/members/only-in-b/status", a.adminKey()));
    assertInvisible(engine.get("/v1/members/only-in-b", a.adminKey()));
    assertInvisible(engine.get("/v1/members/only-in-b/transactions", a.adminKey()));
    assertEquals(1, engine.get("/v1/members/only-in-b/transactions", b.adminKey()).json().getJsonArray("items").size());
  }

  @Test
  @DisplayName("another tenant's member cannot be changed, and is left untouched")
  void writesAreIsolated() {
    assertInvisible(engine.patch("/v1/members/only-in-b", a.adminKey(), new JsonObject().put("status", "blocked")));
    assertEquals("active", engine.get("/v1/members/only-in-b/status", b.adminKey()).json().getString("status"));
  }

  @Test
  @DisplayName("the same externalId may exist in two tenants as two different members")
  void externalIdsAreScopedPerTenant() {
    assertEquals(201, engine.post("/v1/members", a.adminKey(), new JsonObject().put("externalId", "shared-id")
        .put("firstName", "OfA")).status());
    assertEquals("OfA", engine.get("/v1/members/shared-id", a.adminKey()).json().getString("firstName"));
    assertEquals(null, engine.get("/v1/members/shared-id", b.adminKey()).json().getString("firstName"));
    assertEquals(0, engine.get("/v1/members/shared-id/transactions", a.adminKey()).json().getJsonArray("items").size());
  }

  @Test
  @DisplayName("a tenant id in the body or query never selects the tenant: only the key does")
  void tenantComesOnlyFromKey() {
    Reply r = engine.post("/v1/members", a.adminKey(), new JsonObject().put("externalId", "x").put("tenantId", b.id()));
    assertEquals(400, r.status());
    assertEquals("unknown_field", r.errorCode());
    assertInvisible(engine.get("/v1/members/only-in-b/status?tenantId=" + b.id(), a.adminKey()));
  }
}
