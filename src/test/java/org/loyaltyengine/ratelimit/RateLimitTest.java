package org.loyaltyengine.ratelimit;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;

/**
 * Two nodes on one database and one Redis key prefix: the limits are shared through Redis, so a key's
 * quota is one quota however its requests are spread over the nodes.
 */
@DisplayName("Rate limits per API key and per tenant, shared by every node")
class RateLimitTest {
  static TestEngine a;
  static TestEngine b;

  @BeforeAll
  static void start() {
    a = TestEngine.start();
    b = TestEngine.startNode(a, Map.of());
  }

  @AfterAll
  static void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  record Key(String id, String secret) {}

  static Key newKey(String adminKey, String... scopes) {
    Reply r = a.post("/v1/api-keys", adminKey, new JsonObject().put("name", "k").put("scopes", new JsonArray(List.of(scopes))));
    assertEquals(201, r.status(), r.body().toString());
    return new Key(r.json().getString("id"), r.json().getString("key"));
  }

  static Reply put(TestEngine node, String path, String key, JsonObject body) {
    return node.send(HttpMethod.PUT, path, key, "application/json", body.toBuffer());
  }

  static JsonObject limit(int perSecond, int burst) {
    return new JsonObject().put("requestsPerSecond", perSecond).put("burst", burst);
  }

  /** Sends {@code count} reads alternating between the two nodes; returns how many were allowed. */
  static int[] alternate(String key, int count) {
    int allowed = 0;
    int limitedOnA = 0;
    int limitedOnB = 0;
    for (int i = 0; i < count; i++) {
      TestEngine node = i % 2 == 0 ? a : b;
      Reply r = node.get("/v1/members/nobody", key);
      if (r.status() == 429) {
        assertRateLimited(r);
        if (node == a) {
          limitedOnA++;
        } else {
          limitedOnB++;
        }
      } else {
        assertEquals(404, r.status(), "an allowed request reaches its handler: " + r.body());
        allowed++;
      }
    }
    return new int[] {allowed, limitedOnA, limitedOnB};
  }

  static void assertRateLimited(Reply r) {
    assertEquals(429, r.status());
    assertEquals("rate_limited", r.errorCode());
    assertTrue(Long.parseLong(r.headers().get("retry-after")) >= 1, "Retry-After in whole seconds, at least 1");
    assertEquals("0", r.headers().get("ratelimit-remaining"));
    assertNotNull(r.headers().get("ratelimit-limit"));
    assertNotNull(r.headers().get("ratelimit-reset"));
  }

  @Test
  @DisplayName("every authenticated answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset")
  void headersOnEveryAnswer() {
    Tenant t = a.createTenant("headers");
    Key read = newKey(t.adminKey(), "read");
    for (Reply r : List.of(
        a.get("/v1/members/nobody", t.adminKey()),                           // 404
        b.post("/v1/members", t.adminKey(), new JsonObject().put("externalId", "h1")), // 201
        a.post("/v1/members", read.secret(), new JsonObject().put("externalId", "h2")), // 403: scopes
        b.post("/v1/members", t.adminKey(), new JsonObject().put("nope", 1)))) {       // 400
      assertEquals("20000", r.headers().get("ratelimit-limit"), "the key's default burst binds first: " + r.status());
      long remaining = Long.parseLong(r.headers().get("ratelimit-remaining"));
      assertTrue(remaining > 0 && remaining < 20000, "remaining " + remaining);
      assertTrue(Long.parseLong(r.headers().get("ratelimit-reset")) >= 0);
    }
    assertEquals(null, a.get("/v1/members/nobody", "no-such-key-000000").headers().get("ratelimit-limit"),
        "an unauthenticated answer has no quota to report");
  }

  @Test
  @DisplayName("a key over its limit gets 429 rate_limited on every node; the tenant's other keys and other tenants are unaffected")
  void keyLimitIsSharedByAllNodes() {
    Tenant t = a.createTenant("key-limit");
    Tenant other = a.createTenant("key-limit-other");
    Key limited = newKey(t.adminKey(), "pos");
    Key sibling = newKey(t.adminKey(), "pos");
    Reply set = put(a, "/v1/api-keys/" + limited.id() + "/rate-limit", t.adminKey(), limit(1, 3));
    assertEquals(200, set.status(), set.body().toString());
    assertEquals(new JsonObject().put("keyId", limited.id()).put("requestsPerSecond", 1).put("burst", 3)
        .put("source", "override"), set.json());

    long start = System.nanoTime();
    int[] outcome = alternate(limited.secret(), 12);
    double elapsedSeconds = (System.nanoTime() - start) / 1e9;
    // One shared bucket: a burst of 3 plus 1 per second elapsed. Per-node buckets would have allowed 6.
    assertTrue(outcome[0] >= 3 && outcome[0] <= 3 + (int) Math.ceil(elapsedSeconds),
        "allowed " + outcome[0] + " in " + elapsedSeconds + " s");
    assertTrue(outcome[1] > 0 && outcome[2] > 0, "refused on node a " + outcome[1] + "x and node b " + outcome[2] + "x");

    for (TestEngine node : List.of(a, b)) {
      assertEquals(404, node.get("/v1/members/nobody", sibling.secret()).status(), "another key of the tenant");
      assertEquals(404, node.get("/v1/members/nobody", other.adminKey()).status(), "another tenant");
    }
  }

  @Test
  @DisplayName("the member reads (document read with the limits in one Redis call): within the limit the member's replies, over it 429 and no document")
  void memberReadsOverTheLimitGetNoDocument() {
    Tenant t = a.createTenant("read-ahead");
    a.enrol(t.adminKey(), "ra-1");
    Key key = newKey(t.adminKey(), "read");
    assertEquals(200, put(a, "/v1/api-keys/" + key.id() + "/rate-limit", t.adminKey(), limit(1, 3)).status());

    Reply status = a.get("/v1/members/ra-1/status", key.secret());
    assertEquals(200, status.status(), status.body().toString());
    assertEquals("ra-1", status.json().getString("externalId"));
    assertEquals("3", status.headers().get("ratelimit-limit"));
    assertEquals("2", status.headers().get("ratelimit-remaining"));
    Reply profile = b.get("/v1/members/ra-1", key.secret());
    assertEquals(200, profile.status());
    assertEquals("ra-1", profile.json().getString("externalId"));
    Reply history = a.get("/v1/members/ra-1/transactions?limit=10", key.secret());
    assertEquals(200, history.status());
    assertEquals(0, history.json().getJsonArray("items").size());

    for (String path : List.of("/v1/members/ra-1/status", "/v1/members/ra-1", "/v1/members/ra-1/transactions?limit=10")) {
      Reply refused = b.get(path, key.secret());
      assertRateLimited(refused);
      assertEquals(null, refused.json().getString("externalId"), "no member data in a refusal: " + refused.body());
      assertEquals(null, refused.json().getJsonArray("items"));
    }
    assertEquals(200, a.get("/v1/members/ra-1/status", t.adminKey()).status(), "the tenant's other keys still read");
  }

  @Test
  @DisplayName("a tenant over the operator's limit for it is refused on all its keys and nodes; other tenants are unaffected")
  void tenantLimitCoversAllItsKeys() {
    Tenant t = a.createTenant("tenant-limit");
    Tenant other = a.createTenant("tenant-limit-other");
    Key first = newKey(t.adminKey(), "read");
    Key second = newKey(t.adminKey(), "read");
    Reply set = put(a, "/v1/tenants/" + t.id() + "/rate-limit", TestEngine.OPERATOR_TOKEN, limit(1, 4));
    assertEquals(200, set.status(), set.body().toString());
    assertEquals("override", set.json().getString("source"));

    long start = System.nanoTime();
    int allowed = 0;
    int refused = 0;
    for (int i = 0; i < 12; i++) {
      Reply r = (i % 2 == 0 ? a : b).get("/v1/members/nobody", (i / 2) % 2 == 0 ? first.secret() : second.secret());
      if (r.status() == 429) {
        assertRateLimited(r);
        refused++;
      } else {
        assertEquals(404, r.status());
        allowed++;
      }
    }
    double elapsedSeconds = (System.nanoTime() - start) / 1e9;
    assertTrue(allowed >= 4 && allowed <= 4 + (int) Math.ceil(elapsedSeconds), "allowed " + allowed + " in " + elapsedSeconds + " s");
    assertTrue(refused > 0);
    assertEquals(429, b.get("/v1/members/nobody", t.adminKey()).status(), "the admin key shares its tenant's quota");
    assertEquals(404, b.get("/v1/members/nobody", other.adminKey()).status(), "another tenant");

    Reply cleared = b.send(HttpMethod.DELETE, "/v1/tenants/" + t.id() + "/rate-limit", TestEngine.OPERATOR_TOKEN, null, null);
    assertEquals(200, cleared.status());
    assertEquals(new JsonObject().put("tenantId", t.id()).put("requestsPerSecond", 20000).put("burst", 40000)
        .put("source", "default"), cleared.json());
  }

  @Test
  @DisplayName("a changed limit applies at once on the node that changed it and within a second on every other node")
  void changedLimitAppliesWithinASecond() {
    Tenant t = a.createTenant("change");
    Key key = newKey(t.adminKey(), "read");
    assertEquals(200, put(a, "/v1/api-keys/" + key.id() + "/rate-limit", t.adminKey(), limit(1, 2)).status());
    int[] outcome = alternate(key.secret(), 8); // both nodes now hold the key (and its limit) in their caches
    assertTrue(outcome[1] > 0 && outcome[2] > 0, "exhausted on both nodes");

    Reply raised = put(a, "/v1/api-keys/" + key.id() + "/rate-limit", t.adminKey(), limit(1000, 1000));
    assertEquals(200, raised.status());
    assertEquals(404, a.get("/v1/members/nobody", key.secret()).status(), "at once on the node that changed it");
    assertTrue(eventually(1000, () -> b.get("/v1/members/nobody", key.secret()).status() == 404),
        "the other node applies it within a second");
    Reply shown = b.get("/v1/api-keys/" + key.id() + "/rate-limit", t.adminKey());
    assertEquals(new JsonObject().put("keyId", key.id()).put("requestsPerSecond", 1000).put("burst", 1000)
        .put("source", "override"), shown.json());
    assertEquals("1000", b.get("/v1/members/nobody", key.secret()).headers().get("ratelimit-limit"));

    // Lowered again: a fresh bucket of the new size.
    assertEquals(200, put(b, "/v1/api-keys/" + key.id() + "/rate-limit", t.adminKey(), limit(1, 1)).status());
    assertEquals(404, b.get("/v1/members/nobody", key.secret()).status());
    assertEquals(429, b.get("/v1/members/nobody", key.secret()).status());

    Reply reset = b.send(HttpMethod.DELETE, "/v1/api-keys/" + key.id() + "/rate-limit", t.adminKey(), null, null);
    assertEquals(new JsonObject().put("keyId", key.id()).put("requestsPerSecond", 10000).put("burst", 20000)
        .put("source", "default"), reset.json());
    assertEquals(404, b.get("/v1/members/nobody", key.secret()).status(), "back to the default limit");
  }

  @Test
  @DisplayName("overrides: invalid limits are 400 naming the field, unknown keys and tenants 404, tenant limits need the operator")
  void overrideInputIsChecked() {
    Tenant t = a.createTenant("input");
    Tenant other = a.createTenant("input-other");
    Key key = newKey(t.adminKey(), "read");
    String path = "/v1/api-keys/" + key.id() + "/rate-limit";

    Reply zero = put(a, path, t.adminKey(), new JsonObject().put("requestsPerSecond", 0));
    assertEquals(400, zero.status());
    assertEquals("requestsPerSecond", zero.errorField());
    Reply noRate = put(a, path, t.adminKey(), new JsonObject().put("burst", 5));
    assertEquals(400, noRate.status());
    assertEquals("missing_field", noRate.errorCode());
    Reply unknownField = put(a, path, t.adminKey(), limit(5, 5).put("window", 1));
    assertEquals(400, unknownField.status());
    Reply defaultBurst = put(a, path, t.adminKey(), new JsonObject().put("requestsPerSecond", 7));
    assertEquals(7, defaultBurst.json().getInteger("burst"), "burst defaults to one second's worth");

    assertEquals("api_key_not_found", put(a, "/v1/api-keys/" + key.id() + "/rate-limit", other.adminKey(), limit(5, 5)).errorCode(),
        "another tenant's key is not found");
    assertEquals(404, a.get("/v1/api-keys/not-a-uuid/rate-limit", t.adminKey()).status());
    assertEquals(403, put(a, path, key.secret(), limit(5, 5)).status(), "only admin keys change limits");

    assertEquals(401, put(a, "/v1/tenants/" + t.id() + "/rate-limit", t.adminKey(), limit(5, 5)).status(),
        "an admin key is not the operator");
    Reply unknownTenant = a.get("/v1/tenants/00000000-0000-0000-0000-000000000000/rate-limit", TestEngine.OPERATOR_TOKEN);
    assertEquals(404, unknownTenant.status());
    assertEquals("tenant_not_found", unknownTenant.errorCode());
    Reply shown = a.get("/v1/tenants/" + t.id() + "/rate-limit", TestEngine.OPERATOR_TOKEN);
    assertEquals("default", shown.json().getString("source"));
  }
}
