package org.loyaltyengine.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /metrics stays small and free of tenant data however many tenants there are, and only the operator reads it. */
@DisplayName("Metrics: bounded, operator-only")
class MetricsExposureTest {
  static Vertx vertx;
  static HttpServer hookSink;
  static TestEngine engine;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    hookSink = vertx.createHttpServer().requestHandler(r -> r.response().setStatusCode(503).end())
        .listen(0, "127.0.0.1").await();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  /** One engine at a time (each test its own), so the class never holds two sets of database connections. */
  private static TestEngine startEngine(Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("LOYALTY_WEBHOOKS_POLL_MS", "50",
        "LOYALTY_RELAY_POLL_MS", "50", "LOYALTY_WEBHOOKS_BACKOFF_BASE_MS", "20", "LOYALTY_WEBHOOKS_BACKOFF_CAP_MS", "50"));
    env.putAll(extra);
    engine = TestEngine.start(env);
    return engine;
  }

  private static String scrape() {
    Reply r = engine.get("/metrics", TestEngine.OPERATOR_TOKEN);
    assertEquals(200, r.status());
    return r.body().toString();
  }

  @Test
  @DisplayName("with 100 tenants, each with traffic and a failing webhook, /metrics is at most 100 KB and names no tenant or webhook")
  void boundedWithHundredTenants() {
    try (TestEngine started = startEngine(Map.of())) {
      hundredTenants();
    }
  }

  private void hundredTenants() {
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Tenant t = engine.createTenant("metrics-" + i);
      ids.add(t.id());
      Reply hook = engine.post("/v1/webhooks", t.adminKey(), new JsonObject()
          .put("url", "http://127.0.0.1:" + hookSink.actualPort() + "/h/" + i).put("eventTypes", new JsonArray().add("*")));
      assertEquals(201, hook.status(), hook.body().toString());
      ids.add(hook.json().getString("id"));
      engine.enrol(t.adminKey(), "m-" + i);
      engine.get("/v1/members/m-" + i + "/status", t.adminKey());
      engine.get("/v1/members/missing-" + i + "/status", t.adminKey());
      engine.get("/v1/no-such-route-" + i, t.adminKey());
    }
    assertTrue(org.loyaltyengine.testing.Eventually.eventually(20_000, () -> engine.queryLong(
        "select count(distinct subscription_id) from webhook_deliveries where attempts > 0") >= 100),
        "every webhook was tried (so every circuit exists)");
    String text = scrape();
    int bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    assertTrue(bytes <= 100 * 1024, bytes + " bytes; series per metric: " + seriesPerMetric(text));
    for (String id : ids) {
      assertFalse(text.contains(id), "a tenant or webhook id is a label: " + id);
    }
    assertFalse(text.contains("no-such-route"), "unmatched paths are not labels");
  }

  @Test
  @DisplayName("on the API port /metrics needs the operator token")
  void operatorOnly() {
    try (TestEngine started = startEngine(Map.of())) {
      assertEquals(401, engine.get("/metrics", null).status());
      Tenant t = engine.createTenant("not-operator");
      assertEquals(401, engine.get("/metrics", t.adminKey()).status());
      assertTrue(scrape().contains("loyalty_http_server_response_time_seconds_bucket"));
    }
  }

  @Test
  @DisplayName("on a separate management port /metrics is served there only; with per-tenant labels on, a deleted webhook's circuit gauge goes away")
  void managementPortAndDeletedGauges() {
    int port = TestEngine.freePort();
    try (TestEngine managed = startEngine(Map.of("LOYALTY_METRICS_PORT", String.valueOf(port),
        "LOYALTY_METRICS_PER_TENANT_LABELS", "true"))) {
      assertEquals(404, managed.get("/metrics", TestEngine.OPERATOR_TOKEN).status());
      io.vertx.ext.web.client.WebClient client = io.vertx.ext.web.client.WebClient.create(vertx);
      java.util.function.Supplier<String> scrape = () -> {
        var r = client.get(port, "127.0.0.1", "/metrics").send().await();
        assertEquals(200, r.statusCode());
        return r.bodyAsString();
      };
      assertTrue(scrape.get().contains("jvm_memory_used_bytes"));
      Tenant t = managed.createTenant("gauges");
      Reply hook = managed.post("/v1/webhooks", t.adminKey(), new JsonObject()
          .put("url", "http://127.0.0.1:" + hookSink.actualPort() + "/g").put("eventTypes", new JsonArray().add("*")));
      String id = hook.json().getString("id");
      managed.enrol(t.adminKey(), "g-1");
      String series = "loyalty_webhook_circuit_open{subscription=\"" + id + "\"}";
      assertTrue(org.loyaltyengine.testing.Eventually.eventually(20_000, () -> scrape.get().contains(series)),
          "the webhook's circuit gauge exists once it was tried");
      assertEquals(204, managed.delete("/v1/webhooks/" + id, t.adminKey()).status());
      assertTrue(org.loyaltyengine.testing.Eventually.eventually(20_000, () -> !scrape.get().contains(series)),
          "the deleted webhook's gauge is removed");
      client.close();
    }
  }

  static Map<String, Integer> seriesPerMetric(String text) {
    Map<String, Integer> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        int end = line.indexOf('{') > 0 ? line.indexOf('{') : line.indexOf(' ');
        out.merge(line.substring(0, end), 1, Integer::sum);
      }
    }
    out.values().removeIf(n -> n < 20);
    return out;
  }
}
