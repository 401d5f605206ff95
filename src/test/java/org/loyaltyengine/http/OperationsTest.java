package org.loyaltyengine.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import io.vertx.core.http.HttpMethod;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Operations: health, metrics, request ids")
class OperationsTest {
  static TestEngine engine;

  @BeforeAll
  static void start() {
    engine = TestEngine.start();
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @Test
  @DisplayName("liveness is 200 and readiness is 200 with postgres and redis both UP")
  void health() {
    assertEquals(200, engine.get("/health/live", null).status());
    Reply ready = engine.get("/health/ready", null);
    assertEquals(200, ready.status());
    String body = ready.body().toString();
    assertTrue(body.contains("\"id\":\"postgres\",\"status\":\"UP\""), body);
    assertTrue(body.contains("\"id\":\"redis\",\"status\":\"UP\""), body);
  }

  @Test
  @DisplayName("/metrics exposes per-route latency histograms, pool usage and the cache hit ratio")
  void metrics() {
    Tenant t = engine.createTenant("metrics");
    engine.enrol(t.adminKey(), "m1");
    engine.get("/v1/members/m1/status", t.adminKey());
    engine.get("/v1/members/m1/status", t.adminKey());
    String text = engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString(); // operator-only on the API port
    assertTrue(text.contains("loyalty_http_server_response_time_seconds_bucket"), "latency histogram");
    assertTrue(text.contains("route=\"/v1/members/:externalId/status\""), "per route");
    assertTrue(text.contains("vertx_pool_") || text.contains("vertx_sql_client"), "pool usage");
    assertTrue(text.contains("loyalty_member_cache_lookups_total{result=\"miss\"}"), "cache misses");
    assertTrue(text.contains("loyalty_member_cache_lookups_total{result=\"hit\"}"), "cache hits");
  }

  @Test
  @DisplayName("every answer is counted once under its route template, method and code: failures keep their route, unmatched paths and unknown methods do not add labels")
  void routeMetricsLabels() {
    Tenant t = engine.createTenant("route-labels");
    engine.enrol(t.adminKey(), "r1");
    for (int i = 0; i < 3; i++) {
      engine.get("/v1/members/r1", t.adminKey());
    }
    engine.get("/v1/members/nobody-here", t.adminKey()); // 404 from the failure handler
    engine.get("/v1/members/r1", null); // 401
    engine.get("/no/such/path/" + java.util.UUID.randomUUID(), null); // no route: ""
    engine.send(HttpMethod.valueOf("BREW"), "/v1/members/r1", null, null, null, Map.of());
    String text = engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString();
    assertTrue(count(text, "route=\"/v1/members/:externalId\"", "code=\"200\"", "GET") >= 3, text);
    assertTrue(count(text, "route=\"/v1/members/:externalId\"", "code=\"404\"", "GET") >= 1, "a failure keeps its route");
    assertTrue(count(text, "route=\"/v1/members/:externalId\"", "code=\"401\"", "GET") >= 1, "so does a refusal");
    assertTrue(count(text, "route=\"\"", "code=\"404\"", "GET") >= 1, "an unmatched path is counted under \"\"");
    assertTrue(text.contains("method=\"OTHER\""), "a method outside the API's is OTHER");
    assertTrue(!text.contains("nobody-here") && !text.contains("/no/such/path") && !text.contains("BREW"),
        "no raw path or method becomes a label");
    assertTrue(text.contains("loyalty_http_server_active_connections"), "open connections");
  }

  /** The value of loyalty_http_server_requests_total on the line holding all of {@code parts}. */
  private static double count(String metrics, String... parts) {
    return metrics.lines().filter(l -> l.startsWith("loyalty_http_server_requests_total{"))
        .filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  @DisplayName("a request id is echoed when the client sends one and generated when it does not")
  void requestIds() {
    Reply given = engine.send(HttpMethod.GET, "/health/live", null, null, null, Map.of("X-Request-Id", "abc-123"));
    assertEquals("abc-123", given.headers().get("x-request-id"));
    String a = engine.get("/health/live", null).headers().get("x-request-id");
    String b = engine.get("/health/live", null).headers().get("x-request-id");
    assertTrue(a.matches("[0-9a-f]{32}"), a);
    assertNotEquals(a, b);
    Reply hostile = engine.send(HttpMethod.GET, "/health/live", null, null, null, Map.of("X-Request-Id", "bad id\"with quotes"));
    assertTrue(hostile.headers().get("x-request-id").matches("[0-9a-f]{32}"), "unsafe ids are replaced, not logged");
  }
}
