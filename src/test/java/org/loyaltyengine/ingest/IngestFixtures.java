package org.loyaltyengine.ingest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.testing.TestEngine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Batch bodies and waiting for batches, for the ingestion tests. */
final class IngestFixtures {
  private IngestFixtures() {}

  /** One fixed time per test run, so that the same item built twice is the same request. */
  static final Instant AN_HOUR_AGO = Instant.now().minusSeconds(3600);

  /** One point per whole EUR of the basket, and 5 points per "app_login" event. */
  static JsonObject basicRules() {
    return new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("id", "base").put("trigger", "purchase")
            .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)
                .put("rounding", "down").put("spend", "basket")))
        .add(new JsonObject().put("id", "login").put("trigger", "event")
            .put("conditions", new JsonObject().put("eventType", "app_login"))
            .put("award", new JsonObject().put("type", "fixed").put("points", 5))));
  }

  static JsonObject purchase(String transactionId, String member, long total) {
    return new JsonObject().put("type", "transaction").put("transactionId", transactionId)
        .put("memberExternalId", member).put("occurredAt", AN_HOUR_AGO.toString()).put("total", total)
        .put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1").put("category", "grocery")
            .put("quantity", 1).put("amount", total)));
  }

  static JsonObject event(String eventId, String member, String eventType) {
    return new JsonObject().put("type", "event").put("eventId", eventId).put("memberExternalId", member)
        .put("eventType", eventType).put("occurredAt", AN_HOUR_AGO.toString());
  }

  static JsonObject batch(String batchId, List<JsonObject> items) {
    JsonObject body = new JsonObject().put("items", new JsonArray(List.copyOf(items)));
    return batchId == null ? body : body.put("batchId", batchId);
  }

  /** Polls the batch until it is done (at most {@code timeout}); returns its final progress. */
  static JsonObject awaitDone(TestEngine engine, String key, String batchId, Duration timeout) {
    JsonObject[] last = new JsonObject[1];
    awaitTrue(timeout, () -> {
      TestEngine.Reply r = engine.get("/v1/event-batches/" + batchId, key);
      assertEquals(200, r.status(), r.body().toString());
      last[0] = r.json();
      return "done".equals(last[0].getString("status"));
    }, () -> "batch " + batchId + " not done: " + last[0]);
    engine.awaitReadModel(); // its members' documents follow the chunks' commits by milliseconds
    return last[0];
  }

  static void awaitTrue(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> why) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail(why.get());
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }
}
