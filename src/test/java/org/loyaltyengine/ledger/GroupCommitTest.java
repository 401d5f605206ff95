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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.ledger.EarningFixtures.onePointPerEuro;
import static org.loyaltyengine.ledger.EarningFixtures.purchase;

/**
 * Group commit (docs/ledger.md): concurrent earnings share statements and commits, yet each request gets its
 * own answer, computed on the right balance, and a bad one fails alone.
 */
@DisplayName("Group commit of earnings")
class GroupCommitTest {
  static TestEngine engine;
  static Tenant shop;
  static Tenant cafe;

  @BeforeAll
  static void start() {
    // one HTTP verticle and one lane, so that concurrent requests surely gather into batches
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_HTTP_INSTANCES", "1",
        "LOYALTY_LEDGER_LANES", "1", "LOYALTY_LEDGER_BATCH_MAX", "50"));
    shop = engine.createTenant("gc-shop");
    cafe = engine.createTenant("gc-cafe");
    for (Tenant t : List.of(shop, cafe)) {
      assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), "application/json",
          onePointPerEuro().toBuffer()).status());
    }
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @Test
  @DisplayName("400 concurrent purchases of 40 members in two tenants: each answered 201 with the balance right after it, in batches")
  void concurrentPurchasesShareCommits() {
    for (int m = 0; m < 20; m++) {
      engine.enrol(shop.adminKey(), "shop-m" + m);
      engine.enrol(cafe.adminKey(), "cafe-m" + m);
    }
    double batchesBefore = batchCount();
    List<Future<Reply>> replies = new ArrayList<>();
    List<String> members = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      for (Tenant t : List.of(shop, cafe)) {
        String member = (t == shop ? "shop-m" : "cafe-m") + (i % 20);
        members.add(t.id() + "/" + member);
        replies.add(engine.postAsync("/v1/transactions", t.adminKey(), purchase("gc-" + i, member, 1000)));
      }
    }
    Future.all(replies).await();
    Map<String, Set<Long>> balancesShown = new HashMap<>();
    for (int i = 0; i < replies.size(); i++) {
      Reply r = replies.get(i).result();
      assertEquals(201, r.status(), r.body().toString());
      assertEquals(10, r.json().getLong("pointsEarned"));
      balancesShown.computeIfAbsent(members.get(i), k -> new TreeSet<>())
          .add(r.json().getJsonObject("balance").getLong("available"));
    }
    // each member's 10 purchases were applied one after the other: their replies show 10, 20, ..., 100
    Set<Long> expected = new TreeSet<>(List.of(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L));
    balancesShown.forEach((member, shown) -> assertEquals(expected, shown, member));
    for (Tenant t : List.of(shop, cafe)) {
      for (int m = 0; m < 20; m++) {
        String member = (t == shop ? "shop-m" : "cafe-m") + m;
        assertEquals(100, engine.get("/v1/members/" + member + "/status", t.adminKey()).json()
            .getJsonObject("points").getLong("available"), member);
      }
    }
    assertEquals(400, engine.queryLong("select count(*) from transactions where transaction_id like 'gc-%'"));
    assertEquals(400, engine.queryLong("select count(*) from outbox where event_type = 'points.earned' "
        + "and payload->>'causeId' like 'gc-%'"));
    assertTrue(batchCount() > batchesBefore, "some purchases shared a statement");
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  @Test
  @DisplayName("a batch with one poisoned earning (its id sent twice with different bodies) fails only that request")
  void poisonedEarningFailsAlone() {
    for (int m = 0; m < 10; m++) {
      engine.enrol(shop.adminKey(), "poison-m" + m);
    }
    List<Future<Reply>> replies = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      for (int m = 0; m < 10; m++) {
        replies.add(engine.postAsync("/v1/transactions", shop.adminKey(),
            purchase("poison-" + round + "-" + m, "poison-m" + m, 500)));
      }
      // the same id as the first of the round, for a different basket
      replies.add(engine.postAsync("/v1/transactions", shop.adminKey(),
          purchase("poison-" + round + "-0", "poison-m0", 900)));
    }
    Future.all(replies).await();
    int created = 0;
    int conflicts = 0;
    for (Future<Reply> f : replies) {
      Reply r = f.result();
      if (r.status() == 201) {
        created++;
      } else {
        assertEquals(409, r.status(), r.body().toString());
        assertEquals("idempotency_conflict", r.errorCode());
        conflicts++;
      }
    }
    assertEquals(50, created, "every distinct purchase is recorded once");
    assertEquals(5, conflicts, "each reused id is refused, alone");
    assertEquals(50, engine.queryLong("select count(*) from transactions where transaction_id like 'poison-%'"));
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  @Test
  @DisplayName("a replay gets its stored answer after the rules changed, the points were spent and the member was blocked")
  void replaysFirst() {
    Tenant shop = engine.createTenant("gc-replays"); // its rules change below
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", shop.adminKey(), "application/json",
        onePointPerEuro().toBuffer()).status());
    engine.enrol(shop.adminKey(), "replayer");
    JsonObject body = purchase("replay-1", "replayer", 2500);
    Reply first = engine.post("/v1/transactions", shop.adminKey(), body);
    assertEquals(201, first.status(), first.body().toString());
    assertEquals(25, first.json().getLong("pointsEarned"));

    JsonObject doubled = new JsonObject().put("rules", new JsonArray().add(new JsonObject()
        .put("id", "base").put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "per_spend").put("points", 2).put("perAmount", 100)
            .put("rounding", "down").put("spend", "basket"))));
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", shop.adminKey(), "application/json",
        doubled.toBuffer()).status());
    Reply afterRules = engine.post("/v1/transactions", shop.adminKey(), body);
    assertEquals(200, afterRules.status());
    assertEquals(first.json(), afterRules.json(), "the original answer, not a new evaluation");

    assertEquals(201, engine.post("/v1/members/replayer/adjustments", shop.adminKey(), new JsonObject()
        .put("adjustmentId", "spend-all").put("points", -25).put("reason", "spent")).status());
    assertEquals(first.json(), engine.post("/v1/transactions", shop.adminKey(), body).json());

    assertEquals(200, engine.patch("/v1/members/replayer", shop.adminKey(), new JsonObject().put("status", "blocked"))
        .status());
    Reply afterBlock = engine.post("/v1/transactions", shop.adminKey(), body);
    assertEquals(200, afterBlock.status(), afterBlock.body().toString());
    assertEquals(first.json(), afterBlock.json());
    Reply changed = engine.post("/v1/transactions", shop.adminKey(), purchase("replay-1", "replayer", 2600));
    assertEquals(409, changed.status(), "the same id for another basket is still a conflict");
    assertEquals("idempotency_conflict", changed.errorCode());
    Reply fresh = engine.post("/v1/transactions", shop.adminKey(), purchase("replay-2", "replayer", 2500));
    assertEquals(422, fresh.status());
    assertEquals("member_blocked", fresh.errorCode());
    Reply event = engine.post("/v1/members/replayer/events", shop.adminKey(), new JsonObject()
        .put("eventId", "replay-ev").put("type", "checkin").put("occurredAt", EarningFixtures.AN_HOUR_AGO.toString()));
    assertEquals(422, event.status(), "a new event of a blocked member is refused");
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  /** Statements that carried two or more earnings so far, from the node's metrics. */
  private static double batchCount() {
    String metrics = engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString();
    Matcher m = Pattern.compile("(?m)^loyalty_ledger_earning_batch_size_count(\\{[^}]*})? ([0-9.Ee+]+)$").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(2)) : 0;
  }
}
