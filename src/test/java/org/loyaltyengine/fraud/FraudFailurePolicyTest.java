package org.loyaltyengine.fraud;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A node where no fraud worker is reachable (none deployed, not clustered): every screened write fails to
 * get a verdict, and the tenant's onFailure decides. The ledger stays exact either way.
 */
@DisplayName("Fraud checks unreachable: fail open or fail closed (hold), as the tenant chose")
class FraudFailurePolicyTest {
  static TestEngine engine;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_FRAUD_ENABLED", "false", "LOYALTY_FRAUD_TIMEOUT_MS", "200"));
  }

  @AfterEach
  void ledgerStaysExact() {
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @Test
  @DisplayName("onFailure allow: the purchase earns as usual, and the redemption goes to fulfillment")
  void failOpen() {
    Tenant t = FraudTestSupport.tenant(engine, "open", "allow");
    engine.enrol(t.adminKey(), "olga");
    Reply r = engine.post("/v1/transactions", t.adminKey(), FraudTestSupport.purchase("fo-1", "olga", 10_000));
    assertEquals(201, r.status(), r.body().toString());
    assertNull(r.json().getValue("review"));
    assertEquals(100, FraudTestSupport.points(engine, t, "olga").getLong("available"));
    engine.post("/v1/rewards", t.adminKey(), FraudTestSupport.giftCard("gc", 50));
    Reply d = engine.post("/v1/redemptions", t.adminKey(), FraudTestSupport.redemption("fo-r", "olga", "gc"));
    assertEquals("pending", d.json().getString("status"), d.body().toString());
    assertEquals(0, engine.queryLong("select count(*) from fraud_holds where cause_id like 'fo-%'"));
  }

  @Test
  @DisplayName("onFailure hold: the purchase's points are held pending and the redemption waits for review")
  void failClosed() {
    Tenant t = FraudTestSupport.tenant(engine, "closed", "hold");
    engine.enrol(t.adminKey(), "carl");
    Reply r = engine.post("/v1/transactions", t.adminKey(), FraudTestSupport.purchase("fc-1", "carl", 10_000));
    assertEquals(201, r.status(), r.body().toString());
    JsonObject review = r.json().getJsonObject("review");
    assertEquals("held", review.getString("status"));
    assertEquals(Finding.UNAVAILABLE, review.getJsonArray("checks").getJsonObject(0).getString("check"));
    assertEquals(0, FraudTestSupport.points(engine, t, "carl").getLong("available"));
    assertEquals(100, FraudTestSupport.points(engine, t, "carl").getLong("pending"));
    assertEquals(200, engine.post("/v1/fraud/holds/" + review.getString("holdId") + "/approve", t.adminKey(),
        new JsonObject()).status(), "the review queue works without the workers");
    assertEquals(100, FraudTestSupport.points(engine, t, "carl").getLong("available"));
    engine.post("/v1/rewards", t.adminKey(), FraudTestSupport.giftCard("gc", 50));
    Reply d = engine.post("/v1/redemptions", t.adminKey(), FraudTestSupport.redemption("fc-r", "carl", "gc"));
    assertEquals("held", d.json().getString("status"), d.body().toString());
    assertEquals(50, FraudTestSupport.points(engine, t, "carl").getLong("available"));
  }

  @Test
  @DisplayName("a worker that answers too late or fails counts as unavailable too: onFailure hold holds, nothing is lost")
  void slowOrFailingWorker() {
    Tenant t = FraudTestSupport.tenant(engine, "slow", "hold");
    engine.enrol(t.adminKey(), "sam");
    var bus = engine.server().vertx().eventBus();
    var silent = bus.<JsonObject>consumer(FraudScreenClient.ADDRESS, m -> { /* never answers: the 200 ms timeout fires */ });
    silent.completion().await();
    try {
      Reply r = engine.post("/v1/transactions", t.adminKey(), FraudTestSupport.purchase("sl-1", "sam", 10_000));
      assertEquals(201, r.status(), r.body().toString());
      assertEquals("held", r.json().getJsonObject("review").getString("status"));
    } finally {
      silent.unregister().await();
    }
    var failing = bus.<JsonObject>consumer(FraudScreenClient.ADDRESS, m -> m.fail(500, "database down"));
    failing.completion().await();
    try {
      Reply r = engine.post("/v1/transactions", t.adminKey(), FraudTestSupport.purchase("sl-2", "sam", 10_000));
      assertEquals(201, r.status(), r.body().toString());
      assertEquals("held", r.json().getJsonObject("review").getString("status"));
    } finally {
      failing.unregister().await();
    }
    assertEquals(200, FraudTestSupport.points(engine, t, "sam").getLong("pending"));
    assertEquals(0, FraudTestSupport.points(engine, t, "sam").getLong("available"));
  }

  /** Posts a batch of purchases and waits until it is done; its final status. */
  static JsonObject ingest(Tenant t, String batchId, JsonObject... purchases) {
    io.vertx.core.json.JsonArray items = new io.vertx.core.json.JsonArray();
    for (JsonObject p : purchases) {
      items.add(p.copy().put("type", "transaction"));
    }
    Reply r = engine.post("/v1/event-batches", t.adminKey(), new JsonObject().put("batchId", batchId).put("items", items));
    assertEquals(202, r.status(), r.body().toString());
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      JsonObject status = engine.get("/v1/event-batches/" + batchId, t.adminKey()).json();
      if ("done".equals(status.getString("status"))) {
        engine.awaitReadModel();
        return status;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("batch not done: " + status.encode());
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  @DisplayName("ingested purchases too: onFailure hold holds the whole batch for review, onFailure allow applies it")
  void ingestionFollowsTheFailurePolicy() {
    Tenant closed = FraudTestSupport.tenant(engine, "ingest-closed", "hold");
    engine.enrol(closed.adminKey(), "ivy");
    JsonObject held = ingest(closed, "ic-batch", FraudTestSupport.purchase("ic-1", "ivy", 10_000),
        FraudTestSupport.purchase("ic-2", "ivy", 5_000));
    assertEquals(2, held.getJsonObject("counts").getInteger("applied"), held.encode());
    assertEquals(0, FraudTestSupport.points(engine, closed, "ivy").getLong("available"));
    assertEquals(150, FraudTestSupport.points(engine, closed, "ivy").getLong("pending"));
    assertEquals(2, engine.queryLong("select count(*) from fraud_holds where tenant_id = ?::uuid and status = 'held' "
        + "and findings -> 0 ->> 'check' = 'checks_unavailable'", closed.id()));

    Tenant open = FraudTestSupport.tenant(engine, "ingest-open", "allow");
    engine.enrol(open.adminKey(), "oto");
    JsonObject applied = ingest(open, "io-batch", FraudTestSupport.purchase("io-1", "oto", 10_000));
    assertEquals(1, applied.getJsonObject("counts").getInteger("applied"), applied.encode());
    assertEquals(100, FraudTestSupport.points(engine, open, "oto").getLong("available"));
  }
}
