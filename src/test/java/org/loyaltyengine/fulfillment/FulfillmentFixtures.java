package org.loyaltyengine.fulfillment;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.testing.TestEngine;


import static org.junit.jupiter.api.Assertions.assertEquals;

final class FulfillmentFixtures {
  private FulfillmentFixtures() {}

  /** A gift-card reward of {@code cost} points served by the simulator at {@code url}. */
  static void catalog(TestEngine engine, String adminKey, String url, int maxAttempts) {
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/partners/giftco", adminKey, "application/json",
        new JsonObject().put("url", url).put("batchSize", 10).put("timeoutMs", 1000).put("maxAttempts", maxAttempts)
            .put("maxConcurrency", 4).put("ratePerSecond", 10_000).toBuffer()).status());
    assertEquals(201, engine.post("/v1/rewards", adminKey, new JsonObject().put("rewardId", "gc").put("name", "Gift card")
        .put("type", "gift_card").put("costPoints", 10).put("partner", "giftco").put("partnerSku", "GC-10")).status());
  }

  static void memberWithPoints(TestEngine engine, String adminKey, String member, long points) {
    engine.enrol(adminKey, member);
    assertEquals(201, engine.post("/v1/members/" + member + "/adjustments", adminKey, new JsonObject()
        .put("adjustmentId", "seed-" + member).put("points", points).put("reason", "test")).status());
  }

  static void redeem(TestEngine engine, String adminKey, String redemptionId, String member) {
    assertEquals(201, engine.post("/v1/redemptions", adminKey, new JsonObject().put("redemptionId", redemptionId)
        .put("memberExternalId", member).put("rewardId", "gc")).status());
  }

}
