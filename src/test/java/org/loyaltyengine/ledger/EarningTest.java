package org.loyaltyengine.ledger;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
import static org.loyaltyengine.ledger.EarningFixtures.onePointPerEuro;
import static org.loyaltyengine.ledger.EarningFixtures.purchase;

@DisplayName("Earning points on purchases")
class EarningTest {
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false"));
    tenant = engine.createTenant("earning");
    assertEquals(200, engine.send(io.vertx.core.http.HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(),
        "application/json", onePointPerEuro().toBuffer()).status());
  }

  @AfterEach
  void invariantsHold() {
    assertEquals(0, engine.ledgerInvariantViolations(), "balance = ledger sum = lots, for every member");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  private static long available(String member) {
    return engine.get("/v1/members/" + member + "/status", tenant.adminKey()).json().getJsonObject("points").getLong("available");
  }

  @Test
  @DisplayName("a purchase earns by the active rules, replies with the breakdown and the new balance, and is in the history")
  void purchaseEarns() {
    engine.enrol(tenant.adminKey(), "buyer");
    Reply r = engine.post("/v1/transactions", tenant.adminKey(), purchase("p-1", "buyer", 12_999));
    assertEquals(201, r.status(), r.body().toString());
    assertEquals(129, r.json().getLong("pointsEarned"));
    assertEquals(0, r.json().getLong("pointsPending"));
    assertEquals(new JsonArray().add(new JsonObject().put("ruleId", "base").put("points", 129)), r.json().getJsonArray("breakdown"));
    assertEquals(129, r.json().getJsonObject("balance").getLong("available"));
    assertEquals(129, available("buyer"), "the cached status shows the new balance at once");
    JsonObject history = engine.get("/v1/members/buyer/transactions", tenant.adminKey()).json();
    assertEquals(129, history.getJsonArray("items").getJsonObject(0).getLong("pointsEarned"));
    JsonObject profile = engine.get("/v1/members/buyer", tenant.adminKey()).json();
    assertEquals(1, profile.getLong("transactionCount"));
    assertEquals(12_999, profile.getLong("totalSpent"));
  }

  @Test
  @DisplayName("the same transaction again returns the original reply with 200 and credits nothing")
  void replayIsIdempotent() {
    engine.enrol(tenant.adminKey(), "replayer");
    Reply first = engine.post("/v1/transactions", tenant.adminKey(), purchase("p-2", "replayer", 5_000));
    Reply again = engine.post("/v1/transactions", tenant.adminKey(), purchase("p-2", "replayer", 5_000));
    assertEquals(201, first.status());
    assertEquals(200, again.status());
    assertEquals(first.json(), again.json());
    assertEquals(50, available("replayer"));
  }

  @Test
  @DisplayName("the same transaction id with a different body is 409 idempotency_conflict")
  void replayWithDifferentBodyConflicts() {
    engine.enrol(tenant.adminKey(), "conflicted");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("p-3", "conflicted", 5_000));
    Reply r = engine.post("/v1/transactions", tenant.adminKey(), purchase("p-3", "conflicted", 9_000));
    assertEquals(409, r.status());
    assertEquals("idempotency_conflict", r.errorCode());
    assertEquals("transactionId", r.errorField());
    assertEquals(50, available("conflicted"));
  }

  @Test
  @DisplayName("100 concurrent replays of one transaction credit it exactly once")
  void concurrentReplaysCreditOnce() {
    engine.enrol(tenant.adminKey(), "storm");
    JsonObject body = purchase("p-storm", "storm", 10_000);
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      replies.add(engine.postAsync("/v1/transactions", tenant.adminKey(), body));
    }
    Future.all(replies).await();
    long created = replies.stream().filter(f -> f.result().status() == 201).count();
    long replayed = replies.stream().filter(f -> f.result().status() == 200).count();
    assertEquals(1, created);
    assertEquals(99, replayed);
    assertEquals(100, available("storm"));
    assertEquals(1, engine.queryLong("select count(*) from ledger_entries where cause_id = 'p-storm'"));
  }

  @Test
  @DisplayName("1,000 concurrent distinct transactions on one member add up exactly")
  void concurrentDistinctTransactionsAddUp() {
    engine.enrol(tenant.adminKey(), "busy-member");
    List<Future<Reply>> replies = new ArrayList<>();
    long expected = 0;
    for (int i = 0; i < 1000; i++) {
      long total = 100 + i * 7L;
      expected += total / 100;
      replies.add(engine.postAsync("/v1/transactions", tenant.adminKey(), purchase("busy-" + i, "busy-member", total)));
    }
    Future.all(replies).await();
    assertTrue(replies.stream().allMatch(f -> f.result().status() == 201),
        replies.stream().filter(f -> f.result().status() != 201).findFirst().map(f -> f.result().body().toString()).orElse(""));
    assertEquals(expected, available("busy-member"));
    assertEquals(1000, engine.get("/v1/members/busy-member", tenant.adminKey()).json().getLong("transactionCount"));
  }

  @Test
  @DisplayName("a purchase for an unknown member is 404 member_not_found and stores nothing")
  void unknownMember() {
    Reply r = engine.post("/v1/transactions", tenant.adminKey(), purchase("p-ghost", "ghost", 1_000));
    assertEquals(404, r.status());
    assertEquals("member_not_found", r.errorCode());
    assertEquals(0, engine.queryLong("select count(*) from transactions where transaction_id = 'p-ghost'"));
  }

  @Test
  @DisplayName("a blocked member cannot earn: 422 member_blocked")
  void blockedMemberCannotEarn() {
    engine.enrol(tenant.adminKey(), "blocked-buyer");
    engine.patch("/v1/members/blocked-buyer", tenant.adminKey(), new JsonObject().put("status", "blocked"));
    Reply r = engine.post("/v1/transactions", tenant.adminKey(), purchase("p-blocked", "blocked-buyer", 1_000));
    assertEquals(422, r.status());
    assertEquals("member_blocked", r.errorCode());
  }

  @Test
  @DisplayName("a purchase in another currency than the program's is 422 currency_mismatch")
  void currencyMismatch() {
    engine.enrol(tenant.adminKey(), "tourist");
    Reply r = engine.post("/v1/transactions", tenant.adminKey(), purchase("p-usd", "tourist", 1_000).put("currency", "USD"));
    assertEquals(422, r.status());
    assertEquals("currency_mismatch", r.errorCode());
  }

  @Test
  @DisplayName("purchase validation names the field: fractional money, empty basket, future time")
  void purchaseValidation() {
    engine.enrol(tenant.adminKey(), "validator");
    Reply fraction = engine.post("/v1/transactions", tenant.adminKey(), purchase("v-1", "validator", 1).put("total", 12.5));
    assertEquals("total", fraction.errorField());
    Reply empty = engine.post("/v1/transactions", tenant.adminKey(), purchase("v-2", "validator", 1).put("items", new JsonArray()));
    assertEquals("items", empty.errorField());
    Reply future = engine.post("/v1/transactions", tenant.adminKey(),
        purchase("v-3", "validator", 100, Instant.now().plusSeconds(86_400)));
    assertEquals("occurredAt", future.errorField());
    Reply line = engine.post("/v1/transactions", tenant.adminKey(), purchase("v-4", "validator", 100)
        .put("items", new JsonArray().add(new JsonObject().put("sku", "A").put("quantity", 0).put("amount", 1))));
    assertEquals("items[0].quantity", line.errorField());
    assertEquals(0, engine.queryLong("select count(*) from transactions where transaction_id like 'v-%'"));
  }

  @Test
  @DisplayName("a rule change takes effect on the next transaction, without a restart")
  void ruleChangeIsLive() {
    engine.enrol(tenant.adminKey(), "rule-watcher");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("rc-1", "rule-watcher", 1_000));
    JsonObject doubled = onePointPerEuro();
    doubled.getJsonArray("rules").getJsonObject(0).getJsonObject("award").put("points", 2);
    Reply put = engine.send(io.vertx.core.http.HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(),
        "application/json", doubled.toBuffer());
    assertEquals(200, put.status());
    Reply r = engine.post("/v1/transactions", tenant.adminKey(), purchase("rc-2", "rule-watcher", 1_000));
    assertEquals(20, r.json().getLong("pointsEarned"));
    // back to the simple program for the other tests
    engine.send(io.vertx.core.http.HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json",
        onePointPerEuro().toBuffer());
    assertTrue(engine.get("/v1/earning-rules/versions", tenant.adminKey()).json().getJsonArray("items").size() >= 3);
  }
}
