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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Tenants and API keys")
class TenantsAndApiKeysTest {
  static TestEngine engine;

  @BeforeAll
  static void start() {
    engine = TestEngine.start();
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  private static JsonObject tenantBody(String name) {
    return new JsonObject().put("name", name).put("timezone", "Europe/Warsaw").put("currency", "EUR");
  }

  @Test
  @DisplayName("creating a tenant returns its id and an admin key that works, shown once and stored only as a hash")
  void tenantCreationReturnsWorkingAdminKey() {
    Reply r = engine.post("/v1/tenants", TestEngine.OPERATOR_TOKEN, tenantBody("hash-check"));
    assertEquals(201, r.status());
    String key = r.json().getString("adminKey");
    assertTrue(key.startsWith("lk_"));
    assertEquals("hash-check", r.json().getString("name"));
    assertEquals(0, engine.queryLong("select count(*) from api_keys where key_hash = ? or key_prefix = ?", key, key));
    assertEquals(1, engine.queryLong("select count(*) from api_keys where key_hash = ?", ApiKeySecret.hash(key)));
    assertEquals(201, engine.post("/v1/members", key, new JsonObject().put("externalId", "m1")).status());
  }

  @Test
  @DisplayName("only the platform operator token may create tenants")
  void tenantCreationNeedsOperatorToken() {
    assertEquals(401, engine.post("/v1/tenants", null, tenantBody("no-token")).status());
    Reply wrong = engine.post("/v1/tenants", "not-the-operator-token", tenantBody("wrong-token"));
    assertEquals(401, wrong.status());
    assertEquals("unauthorized", wrong.errorCode());
    Tenant t = engine.createTenant("admin-is-not-operator");
    assertEquals(401, engine.post("/v1/tenants", t.adminKey(), tenantBody("by-admin")).status());
  }

  @Test
  @DisplayName("a tenant name is unique, a time zone must exist and a currency must be ISO 4217")
  void tenantValidation() {
    engine.createTenant("unique-name");
    Reply dup = engine.post("/v1/tenants", TestEngine.OPERATOR_TOKEN, tenantBody("unique-name"));
    assertEquals(409, dup.status());
    assertEquals("tenant_exists", dup.errorCode());
    Reply zone = engine.post("/v1/tenants", TestEngine.OPERATOR_TOKEN, tenantBody("z").put("timezone", "Mars/Olympus"));
    assertEquals(400, zone.status());
    assertEquals("timezone", zone.errorField());
    Reply money = engine.post("/v1/tenants", TestEngine.OPERATOR_TOKEN, tenantBody("c").put("currency", "XYZ"));
    assertEquals(400, money.status());
    assertEquals("currency", money.errorField());
  }

  @Test
  @DisplayName("requests without a key, or with an unknown key, get 401")
  void missingOrUnknownKeyIs401() {
    Reply none = engine.get("/v1/members/m1/status", null);
    assertEquals(401, none.status());
    assertEquals("unauthorized", none.errorCode());
    assertEquals(401, engine.get("/v1/members/m1/status", "lk_unknown").status());
  }

  @Test
  @DisplayName("a read key may only GET, a pos key may enrol but not change profiles, an admin key may do everything")
  void scopesAreEnforced() {
    Tenant t = engine.createTenant("scopes");
    String read = engine.createKey(t.adminKey(), "read");
    String pos = engine.createKey(t.adminKey(), "pos");
    engine.enrol(t.adminKey(), "m1");

    assertEquals(200, engine.get("/v1/members/m1/status", read).status());
    Reply readWrite = engine.post("/v1/members", read, new JsonObject().put("externalId", "m2"));
    assertEquals(403, readWrite.status());
    assertEquals("forbidden", readWrite.errorCode());

    assertEquals(201, engine.post("/v1/members", pos, new JsonObject().put("externalId", "m3")).status());
    assertEquals(403, engine.patch("/v1/members/m1", pos, new JsonObject().put("firstName", "X")).status());
    assertEquals(403, engine.post("/v1/api-keys", pos, new JsonObject().put("name", "k").put("scopes",
        new io.vertx.core.json.JsonArray().add("admin"))).status());

    assertEquals(200, engine.patch("/v1/members/m1", t.adminKey(), new JsonObject().put("firstName", "X")).status());
  }

  @Test
  @DisplayName("a revoked key is refused on the very next request, even though it was cached")
  void revocationIsImmediate() {
    Tenant t = engine.createTenant("revocation");
    engine.enrol(t.adminKey(), "m1");
    Reply created = engine.post("/v1/api-keys", t.adminKey(),
        new JsonObject().put("name", "till 7").put("scopes", new io.vertx.core.json.JsonArray().add("pos")));
    String key = created.json().getString("key");
    String id = created.json().getString("id");
    for (int i = 0; i < 5; i++) { // several requests, so both event loops have it cached
      assertEquals(200, engine.get("/v1/members/m1/status", key).status());
    }
    assertEquals(204, engine.delete("/v1/api-keys/" + id, t.adminKey()).status());
    Reply after = engine.get("/v1/members/m1/status", key);
    assertEquals(401, after.status());
    assertEquals("unauthorized", after.errorCode());
  }

  @Test
  @DisplayName("a tenant can neither see nor revoke another tenant's keys")
  void keysAreTenantScoped() {
    Tenant a = engine.createTenant("keys-a");
    Tenant b = engine.createTenant("keys-b");
    Reply bKey = engine.post("/v1/api-keys", b.adminKey(),
        new JsonObject().put("name", "b").put("scopes", new io.vertx.core.json.JsonArray().add("read")));
    String bKeyId = bKey.json().getString("id");
    Reply revoke = engine.delete("/v1/api-keys/" + bKeyId, a.adminKey());
    assertEquals(404, revoke.status());
    assertEquals("api_key_not_found", revoke.errorCode());
    assertFalse(engine.get("/v1/api-keys", a.adminKey()).body().toString().contains(bKeyId));
    assertTrue(engine.get("/v1/api-keys", b.adminKey()).body().toString().contains(bKeyId));
    assertEquals(403, engine.get("/v1/api-keys", bKey.json().getString("key")).status(), "a read key cannot list keys");
  }

  @Test
  @DisplayName("a key cannot revoke itself, so a tenant cannot lock itself out by accident")
  void keyCannotRevokeItself() {
    Tenant t = engine.createTenant("self-revoke");
    Reply list = engine.get("/v1/api-keys", t.adminKey());
    String ownId = list.json().getJsonArray("items").getJsonObject(0).getString("id");
    Reply r = engine.delete("/v1/api-keys/" + ownId, t.adminKey());
    assertEquals(409, r.status());
    assertEquals("cannot_revoke_own_key", r.errorCode());
  }

  @Test
  @DisplayName("key creation rejects unknown scopes and empty scope lists, naming the field")
  void keyValidation() {
    Tenant t = engine.createTenant("key-validation");
    Reply unknown = engine.post("/v1/api-keys", t.adminKey(),
        new JsonObject().put("name", "k").put("scopes", new io.vertx.core.json.JsonArray().add("root")));
    assertEquals(400, unknown.status());
    assertEquals("scopes", unknown.errorField());
    Reply empty = engine.post("/v1/api-keys", t.adminKey(),
        new JsonObject().put("name", "k").put("scopes", new io.vertx.core.json.JsonArray()));
    assertEquals(400, empty.status());
    assertEquals("scopes", empty.errorField());
  }
}
