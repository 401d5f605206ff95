package org.loyaltyengine.platform;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.ledger.LedgerJobsVerticle;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;

/**
 * Two clustered nodes in one JVM on one database: what crosses the cluster (rule evaluations, configuration
 * changes) and what runs once (the ledger jobs). The multi-process kill test is {@link MultiNodeClusterTest}.
 */
@DisplayName("Two clustered nodes")
class ClusteredNodesTest {
  static TestEngine first;
  static TestEngine second;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    int a = TestEngine.freePort();
    int b = TestEngine.freePort();
    String name = "test-" + Long.toHexString(System.nanoTime());
    // Keys cached for a minute: only the cluster-wide revocation can make another node refuse one in time.
    Map<String, String> common = Map.of("LOYALTY_CLUSTER_ENABLED", "true", "LOYALTY_AUTH_KEY_CACHE_TTL_MS", "60000",
        "LOYALTY_RULES_INSTANCES", "1", "LOYALTY_HTTP_INSTANCES", "1");
    first = TestEngine.start(with(common, TestEngine.clusterSettings(name, a, List.of(a, b))));
    // The second node evaluates no rules itself: its purchases are evaluated by the first node's workers.
    second = TestEngine.startNode(first, with(with(common, TestEngine.clusterSettings(name, b, List.of(a, b))),
        Map.of("LOYALTY_RULES_ENABLED", "false")));
    tenant = first.createTenant("clustered");
    assertEquals(200, first.send(HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json",
        new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("id", "base").put("trigger", "purchase")
            .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100))))
            .toBuffer()).status());
  }

  @AfterAll
  static void stop() {
    second.close();
    first.close();
  }

  private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
    Map<String, String> out = new HashMap<>(a);
    out.putAll(b);
    return out;
  }

  static JsonObject check(TestEngine node, String id) {
    JsonArray checks = node.get("/health/ready", null).json().getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      if (id.equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i);
      }
    }
    return null;
  }

  @Test
  @DisplayName("each node's readiness lists a two-member cluster and its own node id")
  void membership() {
    JsonObject a = check(first, "cluster");
    JsonObject b = check(second, "cluster");
    assertNotNull(a);
    assertEquals("UP", a.getString("status"));
    assertEquals(2, a.getJsonObject("data").getInteger("members"));
    assertEquals(2, b.getJsonObject("data").getInteger("members"));
    assertEquals(a.getJsonObject("data").getJsonArray("nodes"), b.getJsonObject("data").getJsonArray("nodes"));
    assertTrue(a.getJsonObject("data").getString("address").startsWith("127.0.0.1:"));
    assertTrue(!a.getJsonObject("data").getString("nodeId").equals(b.getJsonObject("data").getString("nodeId")));
  }

  @Test
  @DisplayName("a node without rules workers earns points through another node's workers, over the wire")
  void evaluationCrossesNodes() {
    first.enrol(tenant.adminKey(), "remote-1");
    Reply earned = second.post("/v1/transactions", tenant.adminKey(), new JsonObject().put("transactionId", "X-1")
        .put("memberExternalId", "remote-1").put("occurredAt", Instant.now().minusSeconds(60).toString())
        .put("total", 12_345).put("currency", "EUR").put("items", new JsonArray().add(new JsonObject()
            .put("sku", "SKU-1").put("category", "grocery").put("quantity", 1).put("amount", 12_345))));
    assertEquals(201, earned.status(), earned.body().toString());
    assertEquals(123, earned.json().getLong("pointsEarned"));
    assertEquals("base", earned.json().getJsonArray("breakdown").getJsonObject(0).getString("ruleId"));
  }

  @Test
  @DisplayName("a key revoked through one node is refused by the other within a second, though keys are cached a minute")
  void revocationReachesEveryNode() throws InterruptedException {
    Reply created = first.post("/v1/api-keys", tenant.adminKey(), new JsonObject().put("name", "till")
        .put("scopes", new JsonArray().add("pos")));
    String key = created.json().getString("key");
    first.enrol(key, "revoke-1");
    assertEquals(200, second.get("/v1/members/revoke-1/status", key).status(), "cached as valid on the second node");
    assertEquals(204, first.delete("/v1/api-keys/" + created.json().getString("id"), tenant.adminKey()).status());
    long revokedAt = System.nanoTime();
    boolean refused = false;
    // A probe counts by when it was sent, so a slow machine's request latency stays out of the measure.
    while (!refused && System.nanoTime() - revokedAt <= 1_000_000_000L) {
      refused = second.get("/v1/members/revoke-1/status", key).status() == 401;
    }
    assertTrue(refused, "refused on the second node within a second of the revocation");
  }

  @Test
  @DisplayName("the ledger jobs lease is held by exactly one of the nodes")
  void ledgerJobsRunOnce() throws InterruptedException {
    assertTrue(eventually(5_000, () -> held(first) + held(second) == 1), "one holder");
    Thread.sleep(500);
    assertEquals(1, held(first) + held(second), "and it stays one");
  }

  static int held(TestEngine node) {
    return check(node, "singletons").getJsonObject("data").getJsonArray("held").contains(LedgerJobsVerticle.LEASE) ? 1 : 0;
  }

}
