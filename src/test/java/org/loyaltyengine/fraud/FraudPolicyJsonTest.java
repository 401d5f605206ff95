package org.loyaltyengine.fraud;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.Rejection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("Fraud configuration body: validated, and round-trips")
class FraudPolicyJsonTest {
  static JsonObject body(JsonObject... checks) {
    return new JsonObject().put("onFailure", "hold").put("checks", new JsonArray(java.util.List.of((Object[]) checks)));
  }

  @Test
  @DisplayName("every kind of check round-trips through its JSON form")
  void roundTrip() {
    JsonObject body = body(
        new JsonObject().put("check", "earnings_per_member").put("action", "hold").put("max", 5).put("windowMinutes", 60),
        new JsonObject().put("check", "redemptions_per_member").put("action", "reject").put("max", 3).put("windowMinutes", 1440),
        new JsonObject().put("check", "points_per_transaction").put("action", "hold").put("max", 5000),
        new JsonObject().put("check", "points_per_member_per_day").put("action", "allow").put("max", 20000),
        new JsonObject().put("check", "distant_stores").put("action", "hold").put("distanceKm", 300).put("windowMinutes", 30),
        new JsonObject().put("check", "redemption_after_adjustment").put("action", "hold").put("minPoints", 1000).put("windowMinutes", 60),
        new JsonObject().put("check", "members_per_device").put("action", "reject").put("max", 3).put("windowMinutes", 60));
    FraudPolicy p = FraudPolicyJson.parse(body);
    assertEquals(7, p.checks().size());
    assertEquals(FraudPolicy.OnFailure.HOLD, p.onFailure());
    assertEquals(body, FraudPolicyJson.toJson(p));
  }

  @Test
  @DisplayName("bad bodies are refused naming the offending field")
  void refusals() {
    assertField("checks[0].check", body(new JsonObject().put("check", "nope").put("action", "hold")));
    assertField("checks[0].action", body(new JsonObject().put("check", "points_per_transaction").put("action", "maybe").put("max", 1)));
    assertField("checks[0].max", body(new JsonObject().put("check", "points_per_transaction").put("action", "hold")));
    assertField("checks[0].windowMinutes", body(new JsonObject().put("check", "points_per_transaction").put("action", "hold")
        .put("max", 1).put("windowMinutes", 5)));
    assertField("checks[0].windowMinutes", body(new JsonObject().put("check", "earnings_per_member").put("action", "hold")
        .put("max", 1).put("windowMinutes", 0)));
    assertField("checks[1].check", body(
        new JsonObject().put("check", "points_per_transaction").put("action", "hold").put("max", 1),
        new JsonObject().put("check", "points_per_transaction").put("action", "reject").put("max", 2)));
    assertField("onFailure", new JsonObject().put("onFailure", "explode").put("checks", new JsonArray()));
    assertField("checks", new JsonObject());
    assertField("checks[0].max", body(new JsonObject().put("check", "points_per_transaction").put("action", "hold").put("max", 1.5)));
  }

  static void assertField(String field, JsonObject body) {
    Rejection r = assertThrows(Rejection.class, () -> FraudPolicyJson.parse(body));
    assertEquals(field, r.field(), r.getMessage());
    assertEquals(400, r.kind().status);
  }

  @Test
  @DisplayName("the event-bus messages carry policy, attempt and verdict through plain JSON unchanged")
  void messagesRoundTrip() {
    FraudPolicy policy = FraudPolicyJson.parse(body(
        new JsonObject().put("check", "distant_stores").put("action", "hold").put("distanceKm", 300).put("windowMinutes", 30)));
    Attempt attempt = new Attempt(Attempt.Kind.EARNING, java.util.UUID.randomUUID(), 42, "t-9", 1234,
        java.time.Instant.parse("2026-12-06T12:00:00Z"), null,
        new FraudContext("WAW-1", new Location(52.2297, 21.0122), "dev-1", "2001:db8::1"));
    Attempt second = new Attempt(Attempt.Kind.EARNING, attempt.tenantId(), 43, "t-10", 0, attempt.at(), null,
        FraudContext.none());
    JsonObject wire = new JsonObject(FraudMessageJson.request(policy, java.util.List.of(attempt, second)).encode());
    assertEquals(policy, FraudMessageJson.policy(wire)); // as another node decodes it
    assertEquals(java.util.List.of(attempt, second), FraudMessageJson.attempts(wire));
    java.util.List<FraudVerdict> verdicts = java.util.List.of(
        FraudVerdict.of(java.util.List.of(new Finding("distant_stores", FraudAction.HOLD, "far"))), FraudVerdict.CLEAR);
    assertEquals(verdicts, FraudMessageJson.verdicts(new JsonObject(FraudMessageJson.reply(verdicts).encode())));
  }
}
