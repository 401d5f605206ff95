package org.loyaltyengine.fulfillment.sim;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.fulfillment.sim.SimClient.Reply;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.fulfillment.sim.SimClient.batch;
import static org.loyaltyengine.fulfillment.sim.SimClient.order;

/** The simulator over real HTTP on a free port: one simulator for the class, settings reset before each test. */
@DisplayName("Partner simulator over HTTP")
class PartnerSimulatorHttpTest {
  static Vertx vertx;
  static PartnerSimulator sim;
  static SimClient http;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    sim = PartnerSimulator.start(vertx, SimulatorOptions.onFreePort().withTimeoutHoldMs(600)).await();
    http = new SimClient(vertx, sim.port());
  }

  @AfterAll
  static void stop() {
    http.close();
    sim.close().await();
    vertx.close().await();
  }

  @BeforeEach
  void calm() {
    sim.controls().replace(SimSettings.defaults());
  }

  static String key() {
    return "redemption-" + UUID.randomUUID();
  }

  @Test
  @DisplayName("a gift-card order is issued with as many codes as asked, and the same key again returns the same codes")
  void singleIssue() {
    String key = key();
    Reply first = http.issue(order(key, "AMAZON-25", 2));
    Reply again = http.issue(order(key, "AMAZON-25", 2));
    assertEquals(200, first.status(), first.body().toString());
    assertEquals("issued", first.json().getString("status"));
    assertEquals(key, first.json().getString("idempotencyKey"));
    assertEquals(2, first.codes().size());
    assertEquals(first.codes(), again.codes());
    assertEquals("true", again.headers().get("Idempotent-Replayed"));
    assertNull(first.headers().get("Idempotent-Replayed"));
  }

  @Test
  @DisplayName("a key reused for a different order is 409 idempotency_key_reused and issues nothing")
  void keyReused() {
    String key = key();
    http.issue(order(key, "AMAZON-25", 1));
    long codes = sim.registry().codes();
    Reply reused = http.issue(order(key, "AMAZON-50", 1));
    assertEquals(409, reused.status());
    assertEquals("idempotency_key_reused", reused.errorCode());
    assertEquals("idempotencyKey", reused.errorField());
    assertEquals(codes, sim.registry().codes());
  }

  @Test
  @DisplayName("a batch answers per item: issued codes, unknown_sku for INVALID-*, the key-reuse rejection")
  void batchIssue() {
    String a = key();
    String invalid = key();
    String reused = key();
    http.issue(order(reused, "SKU-10", 1));
    Reply r = http.issueBatch(batch(order(a, "SKU-10", 3), order(invalid, "INVALID-OLD", 1), order(reused, "SKU-20", 1)));
    assertEquals(200, r.status(), r.body().toString());
    JsonArray results = r.json().getJsonArray("results");
    assertEquals(new JsonObject().put("idempotencyKey", invalid).put("status", "rejected").put("error", "unknown_sku"),
        results.getJsonObject(1));
    assertEquals("issued", results.getJsonObject(0).getString("status"));
    assertEquals(3, results.getJsonObject(0).getJsonArray("codes").size());
    assertEquals("idempotency_key_reused", results.getJsonObject(2).getString("error"));

    Reply retry = http.issueBatch(batch(order(a, "SKU-10", 3), order(invalid, "INVALID-OLD", 1)));
    assertEquals(results.getJsonObject(0), retry.json().getJsonArray("results").getJsonObject(0));
    assertEquals(results.getJsonObject(1), retry.json().getJsonArray("results").getJsonObject(1));
  }

  @Test
  @DisplayName("a single order for an INVALID-* sku is 422 rejected unknown_sku")
  void singleRejected() {
    Reply r = http.issue(order(key(), "INVALID-NOPE", 1));
    assertEquals(422, r.status());
    assertEquals("rejected", r.json().getString("status"));
    assertEquals("unknown_sku", r.json().getString("error"));
  }

  @Test
  @DisplayName("a declined key stays declined on retry after the permanent error rate drops to 0")
  void permanentRejectionOverHttp() {
    String key = key();
    http.control(new JsonObject().put("permanentErrorRate", 1));
    Reply first = http.issueBatch(batch(order(key, "SKU-10", 1)));
    http.control(new JsonObject().put("permanentErrorRate", 0));
    Reply retry = http.issueBatch(batch(order(key, "SKU-10", 1)));
    assertEquals("declined", first.json().getJsonArray("results").getJsonObject(0).getString("error"));
    assertEquals(first.json(), retry.json());
  }

  @Test
  @DisplayName("a retry after a 503 issues once: the 503 issued nothing, the retries share one set of codes")
  void retryAfter503() {
    String key = key();
    sim.controls().setErrorRate(1);
    Reply unavailable = http.issue(order(key, "SKU-10", 1));
    assertEquals(503, unavailable.status());
    assertEquals(new JsonObject().put("error", "unavailable"), unavailable.json());
    assertTrue(sim.registry().find(key).isEmpty(), "a 503 issues nothing");

    sim.controls().setErrorRate(0);
    Reply ok = http.issue(order(key, "SKU-10", 1));
    Reply retry = http.issue(order(key, "SKU-10", 1));
    assertEquals(200, ok.status());
    assertEquals(ok.codes(), retry.codes());
    assertEquals(ok.codes(), sim.registry().find(key).orElseThrow().codes());
  }

  @Test
  @DisplayName("a lost response still issues the codes, and the client's retry with the same key gets them back")
  void lostResponse() {
    String key = key();
    sim.controls().setTimeoutRate(1);
    Optional<Throwable> lost = http.failureOf(HttpMethod.POST, "/v1/gift-cards", order(key, "SKU-10", 2), 300);
    assertTrue(lost.isPresent(), "no answer must come");
    List<String> recorded = issuedCodes(key);
    assertEquals(2, recorded.size(), "the codes were issued and recorded");

    sim.controls().setTimeoutRate(0);
    Reply retry = http.issue(order(key, "SKU-10", 2));
    assertEquals(200, retry.status());
    assertEquals(recorded, retry.codes());
    assertTrue(sim.stats().get("timeouts") >= 1);
  }

  @Test
  @DisplayName("a held request is cut off by closing its connection after the hold time, even if the client waits longer")
  void heldRequestClosed() {
    sim.controls().setTimeoutRate(1);
    long started = System.nanoTime();
    Optional<Throwable> failure = http.failureOf(HttpMethod.POST, "/v1/gift-cards", order(key(), "SKU-10", 1), 5_000);
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    assertTrue(failure.isPresent());
    assertTrue(elapsedMs >= 500 && elapsedMs < 4_000, "closed after the 600 ms hold, took " + elapsedMs + " ms");
  }

  @Test
  @DisplayName("an outage switched on with PUT /control answers 503 at once and issues nothing, until it is switched off")
  void outageViaControl() {
    String key = key();
    Reply on = http.control(new JsonObject().put("outage", true).put("latencyMs", 2_000));
    assertEquals(200, on.status());
    assertTrue(on.json().getBoolean("outage"));
    long started = System.nanoTime();
    assertEquals(503, http.issue(order(key, "SKU-10", 1)).status());
    assertEquals(503, http.issueBatch(batch(order(key(), "SKU-10", 1))).status());
    assertTrue((System.nanoTime() - started) / 1_000_000 < 1_500, "outage 503s do not wait for the latency");
    assertTrue(sim.registry().find(key).isEmpty());
    assertEquals(200, http.get("/control").status(), "controls still answer during an outage");

    Reply off = http.control(new JsonObject().put("outage", false).put("latencyMs", 0));
    assertFalse(off.json().getBoolean("outage"));
    assertEquals(200, http.issue(order(key, "SKU-10", 1)).status());
  }

  @Test
  @DisplayName("latency delays the answer by latencyMs")
  void latency() {
    sim.controls().setLatencyMs(300);
    long started = System.nanoTime();
    assertEquals(200, http.issue(order(key(), "SKU-10", 1)).status());
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    assertTrue(elapsedMs >= 300, "took " + elapsedMs + " ms");
  }

  @Test
  @DisplayName("GET /control shows the settings, PUT /control changes only the fields given")
  void controls() {
    Reply put = http.control(new JsonObject().put("latencyMs", 25).put("errorRate", 0.5));
    Reply partial = http.control(new JsonObject().put("timeoutRate", 0.25));
    Reply get = http.get("/control");
    assertEquals(200, put.status());
    assertEquals(partial.json(), get.json());
    assertEquals(25, get.json().getLong("latencyMs"));
    assertEquals(0.5, get.json().getDouble("errorRate"));
    assertEquals(0.25, get.json().getDouble("timeoutRate"));
    assertEquals("unavailable", get.json().getString("outageMode"));
    assertEquals(0.5, sim.controls().settings().errorRate());
  }

  @Test
  @DisplayName("bad control values are 400 with the field named, and change nothing")
  void badControls() {
    Reply rate = http.control(new JsonObject().put("latencyMs", 10).put("errorRate", 1.5));
    assertEquals(400, rate.status());
    assertEquals("invalid_field", rate.errorCode());
    assertEquals("errorRate", rate.errorField());
    assertEquals(0, sim.controls().settings().latencyMs());

    assertEquals("timeoutRate", http.control(new JsonObject().put("timeoutRate", "often")).errorField());
    assertEquals("outage", http.control(new JsonObject().put("outage", "yes")).errorField());
    assertEquals("outageMode", http.control(new JsonObject().put("outageMode", "explode")).errorField());
    Reply unknown = http.control(new JsonObject().put("errorrate", 0.1));
    assertEquals("unknown_field", unknown.errorCode());
    assertEquals("errorrate", unknown.errorField());
  }

  @Test
  @DisplayName("bad gift-card bodies are 400 naming the field; a batch holds at most 100 items")
  void badOrders() {
    assertEquals("quantity", http.issue(order(key(), "SKU-10", 0)).errorField());
    assertEquals("idempotencyKey", http.issue(new JsonObject().put("sku", "SKU-10")).errorField());
    Reply tooMany = http.issueBatch(SimClient.batchOf(key(), 101));
    assertEquals(400, tooMany.status());
    assertEquals("items", tooMany.errorField());
    assertEquals("items[1].sku", http.issueBatch(batch(order(key(), "S", 1), new JsonObject().put("idempotencyKey", "x")))
        .errorField());
    assertEquals(404, http.get("/v1/nothing-here").status());
  }

  @Test
  @DisplayName("GET /stats counts requests, batches, issues, rejections, 503s, lost responses and duplicate keys")
  void stats() {
    Reply stats = http.get("/stats");
    assertEquals(200, stats.status());
    for (String counter : List.of("requests", "batches", "issued", "rejected", "errors503", "timeouts", "duplicateKeyHits")) {
      assertTrue(stats.json().containsKey(counter), counter);
    }
  }

  private static List<String> issuedCodes(String key) {
    JsonObject page = http.get("/issued").json();
    for (Object o : page.getJsonArray("items")) {
      JsonObject item = (JsonObject) o;
      if (item.getString("idempotencyKey").equals(key)) {
        return item.getJsonArray("codes").stream().map(String.class::cast).toList();
      }
    }
    return List.of();
  }
}
