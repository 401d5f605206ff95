package org.loyaltyengine.ledger;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.Eventually;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.ledger.EarningFixtures.onePointPerEuro;
import static org.loyaltyengine.ledger.EarningFixtures.purchase;

/**
 * A node SIGKILLed while group-committed batches of earnings are in flight: every acknowledged earning is in
 * the ledger exactly once, nothing unacknowledged is half-applied, and a client retrying what got no answer
 * ends with each purchase counted once.
 */
@DisplayName("Group commit survives a SIGKILL")
class EarningCrashTest {
  static final int MEMBERS = 20;
  static final int CLIENTS = 48;
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false"));
    tenant = engine.createTenant("crash");
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json",
        onePointPerEuro().toBuffer()).status());
    for (int m = 0; m < MEMBERS; m++) {
      engine.enrol(tenant.adminKey(), "crash-m" + m);
    }
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @Test
  @DisplayName("SIGKILL mid-load: acknowledged purchases are in the ledger once, the rest whole or absent, retries count once")
  void sigkillWhileBatchesAreInFlight() throws Exception {
    int port = TestEngine.freePort();
    Process doomed = engine.startProcessNode("earning-crash", Map.of("LOYALTY_HTTP_PORT", String.valueOf(port),
        "LOYALTY_JOBS_ENABLED", "false", "LOYALTY_LEDGER_LANES", "1"));
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(CLIENTS));
    try {
      assertTrue(Eventually.eventually(60_000, () -> {
        try {
          return client.get("/health/live").send().await().statusCode() == 200;
        } catch (Exception notYet) {
          return false;
        }
      }), "the doomed node started");

      Map<String, JsonObject> acknowledged = new ConcurrentHashMap<>();
      Map<String, JsonObject> sent = new ConcurrentHashMap<>();
      AtomicInteger next = new AtomicInteger();
      List<Future<Void>> loops = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        Promise<Void> done = Promise.promise();
        loops.add(done.future());
        vertx.runOnContext(v -> sendNext(client, next, sent, acknowledged, done));
      }
      assertTrue(Eventually.eventually(60_000, () -> acknowledged.size() >= 300), "purchases are being acknowledged");
      doomed.destroyForcibly();
      assertTrue(doomed.waitFor(30, TimeUnit.SECONDS));
      Future.join(loops).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertTrue(sent.size() > acknowledged.size(), "the kill left some purchases unanswered");

      // Every acknowledged purchase exactly once, with the points its reply announced.
      for (Map.Entry<String, JsonObject> a : acknowledged.entrySet()) {
        assertEquals(1, engine.queryLong("select count(*) from transactions where transaction_id = ?", a.getKey()));
        assertEquals(a.getValue().getLong("pointsEarned"), engine.queryLong(
            "select coalesce(sum(points), 0) from ledger_entries where cause_type = 'transaction' and cause_id = ?",
            a.getKey()), a.getKey());
      }
      // Nothing half-applied: a purchase row exists exactly when its ledger entry, lot and event do.
      assertEquals(0, engine.queryLong("""
          select count(*) from transactions t
           where t.transaction_id like 'crash-%'
             and ((select count(*) from ledger_entries e where e.cause_type = 'transaction' and e.cause_id = t.transaction_id) <> 1
               or (select count(*) from point_lots l where l.cause_type = 'transaction' and l.cause_id = t.transaction_id) <> 1
               or (select count(*) from outbox o where o.event_type = 'points.earned' and o.payload->>'causeId' = t.transaction_id) <> 1)"""));
      assertEquals(0, engine.queryLong("""
          select count(*) from ledger_entries e where e.cause_id like 'crash-%'
             and not exists (select 1 from transactions t where t.transaction_id = e.cause_id)"""));
      assertEquals(0, engine.ledgerInvariantViolations());

      // The client retries everything that got no answer, on a surviving node: each purchase counts once.
      for (Map.Entry<String, JsonObject> s : sent.entrySet()) {
        if (!acknowledged.containsKey(s.getKey())) {
          Reply r = engine.post("/v1/transactions", tenant.adminKey(), s.getValue());
          assertTrue(r.status() == 201 || r.status() == 200, r.status() + " " + r.body());
        }
      }
      long totalPoints = 0;
      for (int m = 0; m < MEMBERS; m++) {
        totalPoints += engine.get("/v1/members/crash-m" + m + "/status", tenant.adminKey()).json()
            .getJsonObject("points").getLong("available");
      }
      assertEquals(10L * sent.size(), totalPoints, "every purchase sent counted exactly once");
      assertEquals(sent.size(), engine.queryLong("select count(*) from transactions where transaction_id like 'crash-%'"));
      assertEquals(0, engine.ledgerInvariantViolations());
    } finally {
      doomed.destroyForcibly();
      vertx.close().await();
    }
  }

  /** One client: purchases one after the other until the node stops answering. */
  private static void sendNext(WebClient client, AtomicInteger next, Map<String, JsonObject> sent,
                               Map<String, JsonObject> acknowledged, Promise<Void> done) {
    int n = next.getAndIncrement();
    String id = "crash-" + n;
    JsonObject body = purchase(id, "crash-m" + (n % MEMBERS), 1000);
    sent.put(id, body);
    client.post("/v1/transactions").bearerTokenAuthentication(tenant.adminKey()).timeout(10_000)
        .sendJsonObject(body).onComplete(ar -> {
          if (ar.succeeded() && ar.result().statusCode() == 201) {
            HttpResponse<io.vertx.core.buffer.Buffer> r = ar.result();
            acknowledged.put(id, r.bodyAsJsonObject());
            sendNext(client, next, sent, acknowledged, done);
          } else if (ar.succeeded()) {
            done.fail(new AssertionError("unexpected answer " + ar.result().statusCode() + " " + ar.result().bodyAsString()));
          } else {
            done.complete(); // the node died under this request
          }
        });
  }
}
