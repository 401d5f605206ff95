package org.loyaltyengine.fulfillment.sim;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.fulfillment.sim.SimClient.Reply;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.fulfillment.sim.SimClient.batch;
import static org.loyaltyengine.fulfillment.sim.SimClient.order;
import static org.loyaltyengine.testing.Eventually.eventually;

/** Each test its own simulator: the issued list, API keys, storage bounds, the refuse outage. */
@DisplayName("Partner simulator: issued list, API key, bounds, refuse outage")
class PartnerSimulatorLifecycleTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  @DisplayName("GET /issued lists every code ever issued, once each, oldest first and page by page")
  void issuedListsEverything() {
    PartnerSimulator sim = PartnerSimulator.start(vertx, SimulatorOptions.onFreePort()).await();
    try (SimClient http = new SimClient(vertx, sim.port())) {
      List<String> answered = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        answered.addAll(http.issue(order("single-" + i, "SKU-10", 2)).codes());
      }
      http.issue(order("single-0", "SKU-10", 2)); // a replay adds nothing
      Reply b = http.issueBatch(batch(order("batch-0", "SKU-10", 1), order("batch-1", "INVALID-X", 1),
          order("batch-2", "SKU-25", 3)));
      b.json().getJsonArray("results").forEach(o -> ((JsonObject) o).getJsonArray("codes", new JsonArray())
          .forEach(c -> answered.add((String) c)));

      JsonObject all = http.get("/issued").json();
      assertEquals(5, all.getInteger("count"), "rejections are not issuances");
      assertEquals(10, all.getLong("codes"));
      assertNull(all.getValue("nextOffset"));
      List<String> listed = new ArrayList<>();
      List<String> keys = new ArrayList<>();
      all.getJsonArray("items").forEach(o -> {
        JsonObject item = (JsonObject) o;
        keys.add(item.getString("idempotencyKey"));
        assertTrue(item.getString("issuedAt").endsWith("Z"));
        item.getJsonArray("codes").forEach(c -> listed.add((String) c));
      });
      assertEquals(List.of("single-0", "single-1", "single-2", "batch-0", "batch-2"), keys);
      Set<String> unique = new HashSet<>(listed);
      assertEquals(listed.size(), unique.size(), "zero codes issued twice");
      assertEquals(new HashSet<>(answered), unique, "every answered code is listed, nothing else");

      JsonObject page = http.get("/issued?offset=1&limit=2").json();
      assertEquals(2, page.getJsonArray("items").size());
      assertEquals(3, page.getInteger("nextOffset"));
      assertEquals("limit", http.get("/issued?limit=0").errorField());
    } finally {
      sim.close().await();
    }
  }

  @Test
  @DisplayName("with an API key, gift-card calls and /stats need the bearer key; /control and /issued do not")
  void apiKey() {
    PartnerSimulator sim = PartnerSimulator.start(vertx, SimulatorOptions.onFreePort().withApiKey("sim-key-0123456789"))
        .await();
    try (SimClient anonymous = new SimClient(vertx, sim.port());
         SimClient wrong = new SimClient(vertx, sim.port()).withApiKey("sim-key-wrong");
         SimClient right = new SimClient(vertx, sim.port()).withApiKey("sim-key-0123456789")) {
      Reply none = anonymous.issue(order("k1", "SKU-10", 1));
      assertEquals(401, none.status());
      assertEquals("unauthorized", none.errorCode());
      assertEquals(401, wrong.issue(order("k1", "SKU-10", 1)).status());
      assertEquals(401, wrong.issueBatch(batch(order("k1", "SKU-10", 1))).status());
      assertEquals(401, anonymous.get("/stats").status());
      assertTrue(sim.registry().find("k1").isEmpty(), "an unauthorized call issues nothing");

      assertEquals(200, right.issue(order("k1", "SKU-10", 1)).status());
      assertEquals(200, right.get("/stats").status());
      assertEquals(200, anonymous.get("/control").status());
      assertEquals(200, anonymous.control(new JsonObject().put("latencyMs", 0)).status());
      assertEquals(1, anonymous.get("/issued").json().getInteger("count"));
      assertEquals(4, sim.stats().get("unauthorized"));
    } finally {
      sim.close().await();
    }
  }

  @Test
  @DisplayName("past its key bound the simulator answers 507 and stores nothing; known keys still replay")
  void storageBound() {
    PartnerSimulator sim = PartnerSimulator.start(vertx, SimulatorOptions.onFreePort().withMaxKeys(2)).await();
    try (SimClient http = new SimClient(vertx, sim.port())) {
      Reply first = http.issue(order("a", "SKU-10", 1));
      http.issue(order("b", "SKU-10", 1));
      Reply full = http.issue(order("c", "SKU-10", 1));
      assertEquals(507, full.status());
      assertEquals("insufficient_storage", full.errorCode());
      assertEquals(507, http.issueBatch(batch(order("a", "SKU-10", 1), order("d", "SKU-10", 1))).status());
      assertEquals(first.codes(), http.issue(order("a", "SKU-10", 1)).codes());
      assertEquals(2, sim.registry().keys());
    } finally {
      sim.close().await();
    }
  }

  @Test
  @DisplayName("a time-boxed refuse outage stops listening, then listens again on the same port by itself")
  void refuseOutage() throws InterruptedException {
    PartnerSimulator sim = PartnerSimulator.start(vertx, SimulatorOptions.onFreePort()).await();
    int port = sim.port();
    try (SimClient http = new SimClient(vertx, port)) {
      String issuedBefore = http.issue(order("before", "SKU-10", 1)).codes().get(0);
      Reply put = http.control(new JsonObject().put("outage", true).put("outageMode", "refuse").put("outageForMs", 1_500));
      assertEquals(200, put.status(), "the control call itself is answered");
      assertEquals("refuse", put.json().getString("outageMode"));

      assertTrue(eventually(1_000, () -> http.failureOf(HttpMethod.GET, "/control", null, 500).isPresent()),
          "stops answering during the outage");
      assertTrue(eventually(5_000, () -> http.failureOf(HttpMethod.GET, "/control", null, 500).isEmpty()),
          "answers again after the outage");
      assertEquals(port, sim.port());
      Reply after = http.issue(order("before", "SKU-10", 1));
      assertEquals(issuedBefore, after.codes().get(0), "state survives the outage");
      assertFalse(http.get("/control").json().getBoolean("outage"));

      sim.controls().update(SettingsChange.none().withOutage(true));
      assertTrue(eventually(1_000, () -> http.failureOf(HttpMethod.GET, "/control", null, 500).isPresent()));
      sim.controls().setOutage(false);
      assertTrue(eventually(5_000, () -> http.failureOf(HttpMethod.GET, "/control", null, 500).isEmpty()),
          "an open-ended refuse outage ends when switched off in the same JVM");
    } finally {
      sim.close().await();
    }
  }

}
