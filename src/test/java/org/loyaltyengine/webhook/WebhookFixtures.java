package org.loyaltyengine.webhook;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.testing.TestEngine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

final class WebhookFixtures {
  private WebhookFixtures() {}

  /** Subscribes {@code url} to {@code types}; returns the creation reply (id and secret). */
  static JsonObject subscribe(TestEngine engine, String adminKey, String url, String... types) {
    TestEngine.Reply r = engine.post("/v1/webhooks", adminKey,
        new JsonObject().put("url", url).put("eventTypes", new JsonArray(List.of(types))));
    assertEquals(201, r.status(), () -> r.body().toString());
    return r.json();
  }

  /** A points.adjusted event for the member. */
  static void adjust(TestEngine engine, String adminKey, String member, String adjustmentId, long points) {
    TestEngine.Reply r = engine.post("/v1/members/" + member + "/adjustments", adminKey,
        new JsonObject().put("adjustmentId", adjustmentId).put("points", points).put("reason", "test"));
    assertEquals(201, r.status(), () -> r.body().toString());
  }

  static long count(TestEngine engine, String sql, Object... args) {
    return engine.queryLong(sql, args);
  }

}
