package org.loyaltyengine.ledger;

import io.vertx.core.Future;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Caps and budgets are checked optimistically and re-evaluated on a race: they must hold exactly. */
@DisplayName("Caps and budgets under concurrent earning")
class CapsUnderConcurrencyTest {
  static TestEngine engine;
  static Tenant tenant;
  static final String AT = Instant.now().minusSeconds(60).toString();

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false"));
    tenant = engine.createTenant("caps");
    JsonObject rules = new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("id", "checkin").put("trigger", "event")
            .put("conditions", new JsonObject().put("eventType", "checkin"))
            .put("award", new JsonObject().put("type", "fixed").put("points", 7))
            .put("caps", new JsonObject().put("day", 50)))
        .add(new JsonObject().put("id", "launch").put("trigger", "purchase")
            .put("award", new JsonObject().put("type", "fixed").put("points", 10))
            .put("budget", 100)));
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json",
        rules.toBuffer()).status());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @Test
  @DisplayName("40 concurrent check-ins against a daily cap of 50 award exactly 50 points")
  void dailyCapHoldsUnderRace() {
    engine.enrol(tenant.adminKey(), "racer");
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      replies.add(engine.postAsync("/v1/members/racer/events", tenant.adminKey(),
          new JsonObject().put("eventId", "ci-" + i).put("type", "checkin").put("occurredAt", AT)));
    }
    Future.all(replies).await();
    assertTrue(replies.stream().allMatch(f -> f.result().status() == 201),
        replies.stream().map(f -> f.result().status() + " " + f.result().body()).filter(s -> !s.startsWith("201")).findFirst().orElse(""));
    assertEquals(50, engine.get("/v1/members/racer/status", tenant.adminKey()).json().getJsonObject("points").getLong("available"));
    assertEquals(50, engine.queryLong("select sum(points) from rule_usage where rule_id = 'checkin'"));
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  @Test
  @DisplayName("a program budget of 100 points is never overspent by 30 concurrent purchases of many members")
  void budgetHoldsUnderRace() {
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      engine.enrol(tenant.adminKey(), "shopper-" + i);
    }
    for (int i = 0; i < 30; i++) {
      replies.add(engine.postAsync("/v1/transactions", tenant.adminKey(), new JsonObject()
          .put("transactionId", "launch-" + i).put("memberExternalId", "shopper-" + i).put("occurredAt", AT)
          .put("total", 1000).put("currency", "EUR")
          .put("items", new JsonArray().add(new JsonObject().put("sku", "S").put("quantity", 1).put("amount", 1000)))));
    }
    Future.all(replies).await();
    assertTrue(replies.stream().allMatch(f -> f.result().status() == 201));
    assertEquals(100, engine.queryLong("select sum(points) from ledger_entries where cause_id like 'launch-%'"));
    assertEquals(100, engine.queryLong("select spent from rule_budgets where rule_id = 'launch'"));
    assertEquals(0, engine.ledgerInvariantViolations());
  }
}
