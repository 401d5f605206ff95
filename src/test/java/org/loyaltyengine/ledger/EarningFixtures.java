package org.loyaltyengine.ledger;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** Request bodies for the earning tests. */
final class EarningFixtures {
  private EarningFixtures() {}

  /** One point per whole EUR of the basket: the simplest program. */
  static JsonObject onePointPerEuro() {
    return new JsonObject().put("rules", new JsonArray().add(new JsonObject()
        .put("id", "base").put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)
            .put("rounding", "down").put("spend", "basket"))));
  }

  /** One fixed time per test run, so that the same purchase built twice is the same request. */
  static final Instant AN_HOUR_AGO = Instant.now().minusSeconds(3600);

  static JsonObject purchase(String transactionId, String member, long total) {
    return purchase(transactionId, member, total, AN_HOUR_AGO);
  }

  static JsonObject purchase(String transactionId, String member, long total, Instant occurredAt) {
    return new JsonObject().put("transactionId", transactionId).put("memberExternalId", member)
        .put("occurredAt", occurredAt.toString()).put("total", total).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1").put("category", "grocery")
            .put("quantity", 2).put("amount", total)));
  }
}
