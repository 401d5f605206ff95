package org.loyaltyengine.audit;

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

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Audit trail: what changed, which key did it, newest first")
class AuditTrailTest {
  static TestEngine engine;

  @BeforeAll
  static void start() {
    engine = TestEngine.start();
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  static JsonArray entries(Tenant t) {
    Reply r = engine.get("/v1/audit-log?limit=200", t.adminKey());
    assertEquals(200, r.status());
    return r.json().getJsonArray("items");
  }

  static Reply put(String path, String key, JsonObject body) {
    return engine.send(HttpMethod.PUT, path, key, "application/json", body.toBuffer());
  }

  @Test
  @DisplayName("each change is listed once its answer is back, newest first, naming the key and holding before and after")
  void entriesSayWhatChanged() {
    Tenant t = engine.createTenant("audited");
    Reply created = engine.post("/v1/api-keys", t.adminKey(), new JsonObject().put("name", "ops-admin")
        .put("scopes", new JsonArray().add("admin")));
    String ops = created.json().getString("key");
    JsonObject first = new JsonObject().put("pendingDays", 0).put("expiry", new JsonObject().put("policy", "never"));
    JsonObject second = new JsonObject().put("pendingDays", 14).put("expiry", new JsonObject().put("policy", "never"));
    assertEquals(200, put("/v1/settings", ops, first).status());
    // no waiting: the entry exists as soon as the answer does
    assertEquals("PUT", entries(t).getJsonObject(0).getString("method"));
    assertEquals(200, put("/v1/settings", ops, second).status());

    JsonArray entries = entries(t);
    JsonObject latest = entries.getJsonObject(0);
    assertEquals("/v1/settings", latest.getString("path"));
    assertEquals("ops-admin", latest.getString("keyName"));
    assertEquals(0, latest.getJsonObject("before").getInteger("pendingDays"));
    assertEquals(14, latest.getJsonObject("after").getInteger("pendingDays"));
    JsonObject keyEntry = entries.getJsonObject(2);
    assertEquals("/v1/api-keys", keyEntry.getString("path"));
    assertEquals("***", keyEntry.getJsonObject("after").getString("key"), "a key's secret never enters the trail");
    assertNull(keyEntry.getValue("before"));
    List<Long> ids = new ArrayList<>();
    entries.forEach(e -> ids.add(((JsonObject) e).getLong("id")));
    List<Long> sorted = new ArrayList<>(ids);
    sorted.sort(java.util.Comparator.reverseOrder());
    assertEquals(sorted, ids, "newest first");
  }

  @Test
  @DisplayName("uploading and rolling back earning rules records the previous active set as before")
  void ruleChangesKeepTheOldSet() {
    Tenant t = engine.createTenant("audited-rules");
    JsonObject one = rule(1);
    JsonObject two = rule(2);
    assertEquals(200, put("/v1/earning-rules", t.adminKey(), one).status());
    assertEquals(200, put("/v1/earning-rules", t.adminKey(), two).status());
    assertEquals(200, engine.post("/v1/earning-rules/versions/1/rollback", t.adminKey(), null).status());
    JsonArray entries = entries(t);
    JsonObject rollback = entries.getJsonObject(0);
    assertEquals("/v1/earning-rules/versions/1/rollback", rollback.getString("path"));
    assertEquals(2, rollback.getJsonObject("before").getInteger("version"));
    assertEquals(3, rollback.getJsonObject("after").getInteger("version"));
    assertEquals(1, rollback.getJsonObject("after").getJsonArray("rules").getJsonObject(0)
        .getJsonObject("award").getInteger("points"));
    JsonObject upload = entries.getJsonObject(1);
    assertEquals(1, upload.getJsonObject("before").getInteger("version"));
    assertEquals(2, upload.getJsonObject("after").getInteger("version"));
  }

  @Test
  @DisplayName("reads, failed calls and non-admin keys leave no entry, and one tenant never sees another's trail")
  void onlySuccessfulAdminChangesOfTheTenant() {
    Tenant a = engine.createTenant("trail-a");
    Tenant b = engine.createTenant("trail-b");
    String pos = engine.createKey(a.adminKey(), "pos");
    int before = entries(a).size(); // the key creation itself
    engine.enrol(pos, "m-1");
    engine.get("/v1/settings", a.adminKey());
    assertEquals(400, put("/v1/settings", a.adminKey(), new JsonObject().put("pendingDays", -1)).status());
    assertEquals(before, entries(a).size());
    assertEquals(200, engine.patch("/v1/members/m-1", a.adminKey(), new JsonObject().put("firstName", "Ann")).status());
    JsonObject patch = entries(a).getJsonObject(0);
    assertNull(patch.getJsonObject("before").getString("firstName"));
    assertEquals("Ann", patch.getJsonObject("after").getString("firstName"));
    assertTrue(entries(b).stream().noneMatch(e -> ((JsonObject) e).getString("path").contains("m-1")));
    assertEquals(0, entries(b).size());
  }

  static JsonObject rule(int points) {
    return new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("id", "base").put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "per_spend").put("points", points).put("perAmount", 100))));
  }
}
