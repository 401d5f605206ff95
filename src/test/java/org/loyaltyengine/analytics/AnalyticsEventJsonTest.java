package org.loyaltyengine.analytics;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.analytics.AnalyticsFact.Kind;
import org.loyaltyengine.events.DomainEvent;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Payloads as V2/V3 and MemberRepository write them. */
@DisplayName("Reading analytics facts from event payloads")
class AnalyticsEventJsonTest {
  static final UUID TENANT = UUID.randomUUID();
  static final Instant AT = Instant.parse("2026-11-20T11:00:00Z");

  static DomainEvent event(String type, String payload) {
    return new DomainEvent(42, TENANT, 7L, "m-7", type, payload, AT);
  }

  static AnalyticsFact fact(String type, String payload) {
    return AnalyticsEventJson.fact(event(type, payload)).orElseThrow();
  }

  @Test
  @DisplayName("each payload yields its kind and numbers")
  void payloads() {
    AnalyticsFact earned = fact("points.earned",
        "{\"cause\":\"transaction\",\"causeId\":\"T-1\",\"points\":129,\"pending\":30,\"breakdown\":[]}");
    assertEquals(new AnalyticsFact(42, TENANT, 7L, AT, Kind.POINTS_EARNED, 129, 30, null, 0), earned);
    assertEquals(-20, fact("points.adjusted", "{\"adjustmentId\":\"A\",\"points\":-20,\"reason\":\"x\"}").points());
    assertEquals(29, fact("points.returned", "{\"returnId\":\"R\",\"transactionId\":\"T\",\"amount\":2999,\"points\":29}").points());
    assertEquals(30, fact("points.released", "{\"points\":30}").points());
    assertEquals(45, fact("points.expired", "{\"points\":45}").points());
    AnalyticsFact redeemed = fact("redemption.created",
        "{\"redemptionId\":\"RD\",\"rewardId\":\"gc\",\"quantity\":2,\"points\":200,\"status\":\"pending\"}");
    assertEquals("gc", redeemed.rewardId());
    assertEquals(2, redeemed.quantity());
    assertEquals(200, redeemed.points());
    assertEquals(100, fact("redemption.failed", "{\"redemptionId\":\"RD\",\"reason\":\"x\",\"pointsRefunded\":100}").points());
    assertEquals(Kind.REDEMPTION_FULFILLED, fact("redemption.fulfilled", "{\"redemptionId\":\"RD\"}").kind());
    assertEquals(Kind.MEMBER_ENROLLED, fact("member.enrolled", "{\"externalId\":\"m-7\",\"enrolledAt\":\"2026-11-20T11:00:00Z\"}").kind());
    assertEquals(10_000, fact("points.opening_balance", "{\"points\":10000,\"members\":8,\"source\":\"seed\"}").points());
  }

  @Test
  @DisplayName("events that feed no figure have no fact")
  void ignored() {
    List<DomainEvent> batch = List.of(event("member.updated", "{\"externalId\":\"m-7\",\"status\":\"active\",\"changed\":[]}"),
        event("tier.changed", "{\"externalId\":\"m-7\",\"from\":null,\"to\":\"gold\",\"qualifyingPoints\":5000}"),
        event("something.new", "{}"));
    assertTrue(AnalyticsEventJson.facts(batch).isEmpty());
  }

  @Test
  @DisplayName("a payload without its whole number fails loudly instead of counting as zero")
  void missingNumbersFail() {
    assertThrows(IllegalArgumentException.class, () -> fact("points.expired", "{}"));
    assertThrows(IllegalArgumentException.class, () -> fact("points.expired", "{\"points\":1.5}"));
    assertThrows(IllegalArgumentException.class, () -> fact("points.expired", "{\"points\":\"10\"}"));
    assertThrows(IllegalArgumentException.class, () -> fact("redemption.created", "{\"points\":10,\"quantity\":1}"));
  }
}
