package org.loyaltyengine.rules;

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

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Earning rules API: upload, history, simulation")
class EarningRulesApiTest {
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false"));
    tenant = engine.createTenant("rules-api");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  static Reply put(JsonObject body) {
    return engine.send(HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json", body.toBuffer());
  }

  static JsonObject rule(String id, long points) {
    return new JsonObject().put("id", id).put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "per_spend").put("points", points).put("perAmount", 100));
  }

  static JsonObject transaction(long total) {
    return new JsonObject().put("transactionId", "sim").put("occurredAt", Instant.now().minusSeconds(5).toString())
        .put("total", total).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "S").put("quantity", 1).put("amount", total)));
  }

  @Test
  @DisplayName("with no rule set uploaded nothing earns, and GET shows version 0 with no rules")
  void emptyToStart() {
    Tenant fresh = engine.createTenant("rules-empty");
    JsonObject active = engine.get("/v1/earning-rules", fresh.adminKey()).json();
    assertEquals(0, active.getInteger("version"));
    assertEquals(0, active.getJsonArray("rules").size());
  }

  @Test
  @DisplayName("each upload is a new version; GET shows the active one and /versions the history, newest first")
  void versions() {
    int v1 = put(new JsonObject().put("rules", new JsonArray().add(rule("a", 1)))).json().getInteger("version");
    int v2 = put(new JsonObject().put("rules", new JsonArray().add(rule("a", 2)).add(rule("b", 1)))).json().getInteger("version");
    assertEquals(v1 + 1, v2);
    JsonObject active = engine.get("/v1/earning-rules", tenant.adminKey()).json();
    assertEquals(v2, active.getInteger("version"));
    assertEquals(2, active.getJsonArray("rules").size());
    JsonArray history = engine.get("/v1/earning-rules/versions", tenant.adminKey()).json().getJsonArray("items");
    assertEquals(v2, history.getJsonObject(0).getInteger("version"));
    assertEquals(2, history.getJsonObject(0).getInteger("ruleCount"));
  }

  @Test
  @DisplayName("an invalid rule set is rejected with invalid_rule_set naming the rule and the field, and changes nothing")
  void validationNamesRuleAndField() {
    int before = engine.get("/v1/earning-rules", tenant.adminKey()).json().getInteger("version");
    JsonObject bad = rule("broken", 1);
    bad.getJsonObject("award").put("perAmount", -5);
    Reply r = put(new JsonObject().put("rules", new JsonArray().add(rule("fine", 1)).add(bad)));
    assertEquals(400, r.status());
    assertEquals("invalid_rule_set", r.errorCode());
    assertEquals("rules[1].award.perAmount", r.errorField());
    assertTrue(r.json().getJsonObject("error").getString("message").contains("broken"), r.body().toString());
    assertEquals(before, engine.get("/v1/earning-rules", tenant.adminKey()).json().getInteger("version"));
  }

  @Test
  @DisplayName("simulation evaluates a proposed set or the active one and writes nothing")
  void simulate() {
    put(new JsonObject().put("rules", new JsonArray().add(rule("base", 1))));
    Reply active = engine.post("/v1/earning-rules/simulate", tenant.adminKey(),
        new JsonObject().put("transaction", transaction(2_500)));
    assertEquals(200, active.status(), active.body().toString());
    assertEquals(25, active.json().getLong("points"));
    Reply proposed = engine.post("/v1/earning-rules/simulate", tenant.adminKey(), new JsonObject()
        .put("rules", new JsonObject().put("rules", new JsonArray().add(rule("triple", 3))))
        .put("transaction", transaction(2_500)));
    assertEquals(75, proposed.json().getLong("points"));
    assertEquals("triple", proposed.json().getJsonArray("breakdown").getJsonObject(0).getString("ruleId"));
    assertEquals(0, engine.queryLong("select count(*) from transactions"));
    assertEquals(0, engine.queryLong("select count(*) from ledger_entries"));
  }

  @Test
  @DisplayName("only admin keys may change rules")
  void adminOnly() {
    String pos = engine.createKey(tenant.adminKey(), "pos");
    assertEquals(403, engine.send(HttpMethod.PUT, "/v1/earning-rules", pos, "application/json",
        new JsonObject().put("rules", new JsonArray()).toBuffer()).status());
  }
}
