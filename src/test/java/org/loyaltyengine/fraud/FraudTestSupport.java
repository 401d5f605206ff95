package org.loyaltyengine.fraud;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Fixtures shared by the fraud integration tests. */
final class FraudTestSupport {
  static final Instant AN_HOUR_AGO = Instant.now().minusSeconds(3600);

  private FraudTestSupport() {}

  /** A tenant earning one point per whole EUR. */
  static Tenant earningTenant(TestEngine engine, String name) {
    Tenant t = engine.createTenant(name);
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), "application/json",
        new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("id", "base").put("trigger", "purchase")
            .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)
                .put("rounding", "down").put("spend", "basket")))).toBuffer()).status());
    // The gift cards below name this partner, and a reward may only name a partner its tenant configured.
    // Nothing listens at its URL: redemptions handed to fulfillment stay pending (100 attempts, backing off).
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/partners/giftco", t.adminKey(), "application/json",
        new JsonObject().put("url", "http://127.0.0.1:1/giftco").put("maxAttempts", 100).toBuffer()).status());
    return t;
  }

  /** A tenant earning one point per whole EUR, whose checks look at earnings and redemptions. */
  static Tenant tenant(TestEngine engine, String name, String onFailure) {
    Tenant t = earningTenant(engine, name);
    Reply r = engine.send(HttpMethod.PUT, "/v1/fraud/checks", t.adminKey(), "application/json",
        new JsonObject().put("onFailure", onFailure).put("checks", new JsonArray()
            .add(new JsonObject().put("check", "points_per_transaction").put("action", "hold").put("max", 1_000_000))
            .add(new JsonObject().put("check", "redemptions_per_member").put("action", "hold").put("max", 100)
                .put("windowMinutes", 60))).toBuffer());
    assertEquals(200, r.status(), r.body().toString());
    return t;
  }

  static JsonObject purchase(String id, String member, long totalCents) {
    return new JsonObject().put("transactionId", id).put("memberExternalId", member)
        .put("occurredAt", AN_HOUR_AGO.toString()).put("total", totalCents).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1").put("quantity", 1).put("amount", totalCents)));
  }

  static JsonObject points(TestEngine engine, Tenant t, String member) {
    return engine.get("/v1/members/" + member + "/status", t.adminKey()).json().getJsonObject("points");
  }

  static JsonObject giftCard(String id, long cost) {
    return new JsonObject().put("rewardId", id).put("name", "Gift card " + id).put("type", "gift_card")
        .put("costPoints", cost).put("partner", "giftco").put("partnerSku", "GC-10");
  }

  static JsonObject redemption(String id, String member, String reward) {
    return new JsonObject().put("redemptionId", id).put("memberExternalId", member).put("rewardId", reward);
  }
}
