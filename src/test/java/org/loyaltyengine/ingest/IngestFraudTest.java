package org.loyaltyengine.ingest;

import io.vertx.core.http.HttpMethod;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.ingest.IngestFixtures.awaitDone;
import static org.loyaltyengine.ingest.IngestFixtures.basicRules;
import static org.loyaltyengine.ingest.IngestFixtures.batch;
import static org.loyaltyengine.ingest.IngestFixtures.purchase;

/**
 * Asynchronous ingestion goes through the tenant's fraud checks like the API's writes (docs/fraud.md): a
 * batch is no way around them. Real engine, fraud workers and PostgreSQL; the ledger invariants hold after
 * every scenario.
 */
@DisplayName("Event batches are fraud-screened: held items wait for review, rejected items fail fraud_rejected")
class IngestFraudTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static TestEngine engine;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false"));
  }

  @AfterEach
  void invariantsHold() {
    assertEquals(0, engine.ledgerInvariantViolations(), "balance = ledger sum = lots, for every member");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  static Tenant tenant(String name, JsonObject... checks) {
    Tenant t = engine.createTenant(name);
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), "application/json",
        basicRules().toBuffer()).status());
    Reply r = engine.send(HttpMethod.PUT, "/v1/fraud/checks", t.adminKey(), "application/json",
        new JsonObject().put("checks", new JsonArray(List.of((Object[]) checks))).toBuffer());
    assertEquals(200, r.status(), r.body().toString());
    return t;
  }

  static JsonObject check(String name, String action) {
    return new JsonObject().put("check", name).put("action", action);
  }

  static JsonObject points(Tenant t, String member) {
    return engine.get("/v1/members/" + member + "/status", t.adminKey()).json().getJsonObject("points");
  }

  static JsonObject send(Tenant t, String batchId, List<JsonObject> items) {
    Reply r = engine.post("/v1/event-batches", t.adminKey(), batch(batchId, items));
    assertEquals(202, r.status(), r.body().toString());
    return awaitDone(engine, t.adminKey(), batchId, WAIT);
  }

  /** A batch's purchase item as POST /v1/transactions takes it. */
  static JsonObject asApiPurchase(JsonObject item) {
    JsonObject body = item.copy();
    body.remove("type");
    return body;
  }

  static JsonArray holds(Tenant t) {
    Reply r = engine.get("/v1/fraud/holds?limit=200", t.adminKey());
    assertEquals(200, r.status(), r.body().toString());
    return r.json().getJsonArray("items");
  }

  @Test
  @DisplayName("a batch of one member's purchases is screened as if sent one by one: past the velocity limit, held")
  void velocityAcrossTheBatch() {
    Tenant t = tenant("ingest-velocity", check("earnings_per_member", "hold").put("max", 2).put("windowMinutes", 60));
    engine.enrol(t.adminKey(), "mia");
    engine.enrol(t.adminKey(), "ned");
    List<JsonObject> items = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      items.add(purchase("iv-m" + i, "mia", 1_000));
    }
    items.add(2, purchase("iv-n1", "ned", 2_000));
    items.add(purchase("iv-n2", "ned", 2_000));
    JsonObject done = send(t, "iv-batch", items);
    assertEquals(7, done.getJsonObject("counts").getInteger("applied"), done.encode());
    assertEquals(0, done.getJsonArray("errors").size());

    assertEquals(20, points(t, "mia").getLong("available"), "her first two purchases earn as usual");
    assertEquals(30, points(t, "mia").getLong("pending"), "the next three wait for review");
    assertEquals(0, points(t, "mia").getLong("lifetimeEarned") - 20, "held points are not earned yet");
    assertEquals(40, points(t, "ned").getLong("available"), "another member's purchases are not his");
    JsonArray queue = holds(t);
    assertEquals(3, queue.size());
    assertEquals(List.of("iv-m3", "iv-m4", "iv-m5"), queue.stream()
        .map(h -> ((JsonObject) h).getJsonObject("cause").getString("id")).toList());
    assertEquals("earnings_per_member", queue.getJsonObject(0).getJsonArray("checks").getJsonObject(0).getString("check"));

    // the API's replay of a held ingested purchase: its stored reply, review included
    Reply replay = engine.post("/v1/transactions", t.adminKey(), asApiPurchase(purchase("iv-m3", "mia", 1_000)));
    assertEquals(200, replay.status(), replay.body().toString());
    assertEquals("held", replay.json().getJsonObject("review").getString("status"));

    String first = queue.getJsonObject(0).getString("holdId");
    String second = queue.getJsonObject(1).getString("holdId");
    assertEquals(200, engine.post("/v1/fraud/holds/" + first + "/approve", t.adminKey(), new JsonObject()).status());
    assertEquals(200, engine.post("/v1/fraud/holds/" + second + "/void", t.adminKey(), new JsonObject()).status());
    assertEquals(30, points(t, "mia").getLong("available"), "approved: released");
    assertEquals(10, points(t, "mia").getLong("pending"), "voided: gone; the third still waits");
    assertEquals(30, points(t, "mia").getLong("lifetimeEarned"));
  }

  @Test
  @DisplayName("a rejected item fails with fraud_rejected in the batch's status and writes nothing; the others earn")
  void rejectedItemFails() {
    Tenant t = tenant("ingest-reject", check("points_per_transaction", "reject").put("max", 100));
    engine.enrol(t.adminKey(), "rex");
    JsonObject done = send(t, "ir-batch", List.of(purchase("ir-1", "rex", 5_000), purchase("ir-2", "rex", 50_000),
        purchase("ir-3", "rex", 3_000)));
    assertEquals(2, done.getJsonObject("counts").getInteger("applied"), done.encode());
    assertEquals(1, done.getJsonObject("counts").getInteger("failed"));
    JsonObject error = done.getJsonArray("errors").getJsonObject(0);
    assertEquals(1, error.getInteger("index"));
    assertEquals("ir-2", error.getString("itemId"));
    assertEquals("fraud_rejected", error.getString("code"));
    assertTrue(error.getString("message").contains("points_per_transaction"), error.getString("message"));
    assertEquals(80, points(t, "rex").getLong("available"));
    assertEquals(0, engine.queryLong("select count(*) from transactions where transaction_id = 'ir-2' "
        + "and tenant_id = ?::uuid", t.id()), "nothing written for the rejected item");
    Reply again = engine.post("/v1/transactions", t.adminKey(), asApiPurchase(purchase("ir-2", "rex", 50_000)));
    assertEquals(422, again.status(), "its id stays free: the API screens it again and refuses it again");
    assertEquals("fraud_rejected", again.errorCode());
  }

  @Test
  @DisplayName("locations in batch items are read: a purchase in Madrid minutes after one in Warsaw is held")
  void locationsInBatches() {
    Tenant t = tenant("ingest-geo", check("distant_stores", "hold").put("distanceKm", 300).put("windowMinutes", 30));
    engine.enrol(t.adminKey(), "geo");
    JsonObject done = send(t, "ig-batch", List.of(
        purchase("ig-1", "geo", 1_000).put("storeId", "WAW-1").put("location", new JsonObject().put("lat", 52.2297).put("lon", 21.0122)),
        purchase("ig-2", "geo", 1_000).put("storeId", "MAD-1").put("location", new JsonObject().put("lat", 40.4168).put("lon", -3.7038))));
    assertEquals(2, done.getJsonObject("counts").getInteger("applied"), done.encode());
    JsonArray queue = holds(t);
    assertEquals(1, queue.size());
    assertEquals("ig-2", queue.getJsonObject(0).getJsonObject("cause").getString("id"));
    assertTrue(queue.getJsonObject(0).getJsonArray("checks").getJsonObject(0).getString("detail").contains("WAW-1"));
    assertEquals(2, engine.queryLong("select count(*) from fraud_signals where tenant_id = ?::uuid", t.id()),
        "both purchases' locations are kept for the next check, as the API keeps them");
    Reply bad = engine.post("/v1/event-batches", t.adminKey(), batch("ig-bad", List.of(
        purchase("ig-3", "geo", 1_000).put("location", new JsonObject().put("lat", 91).put("lon", 0)))));
    assertEquals(400, bad.status(), "a location the API refuses is refused in a batch too");
    assertEquals("items[0].location.lat", bad.errorField());
  }

  @Test
  @DisplayName("checks that only look at redemptions cost a batch nothing: its purchases apply without screening")
  void redemptionChecksOnly() {
    Tenant t = tenant("ingest-redeem-only", check("redemptions_per_member", "reject").put("max", 1).put("windowMinutes", 60));
    engine.enrol(t.adminKey(), "ola");
    JsonObject done = send(t, "io-batch", List.of(purchase("io-1", "ola", 1_000), purchase("io-2", "ola", 1_000)));
    assertEquals(2, done.getJsonObject("counts").getInteger("applied"));
    assertEquals(20, points(t, "ola").getLong("available"));
    assertNull(engine.get("/v1/fraud/holds", t.adminKey()).json().getJsonArray("items").stream().findFirst().orElse(null));
  }
}
