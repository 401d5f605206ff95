package org.loyaltyengine.analytics;

import io.vertx.core.json.JsonObject;
import org.loyaltyengine.events.DomainEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the fact an event contributes from its payload, as V2/V3 and MemberRepository write them. A payload
 * without the number its type promises is refused (the batch fails and is redelivered) rather than counted
 * as zero: these are our own events, so a missing figure is a bug to see, not a total to get wrong.
 */
public final class AnalyticsEventJson {
  private AnalyticsEventJson() {
  }

  /** The facts of the events that feed a figure, in the batch's order. */
  public static List<AnalyticsFact> facts(List<DomainEvent> batch) {
    List<AnalyticsFact> out = new ArrayList<>(batch.size());
    for (DomainEvent e : batch) {
      fact(e).ifPresent(out::add);
    }
    return out;
  }

  public static Optional<AnalyticsFact> fact(DomainEvent e) {
    Optional<AnalyticsFact.Kind> kind = AnalyticsFact.Kind.ofEventType(e.type());
    if (kind.isEmpty()) {
      return Optional.empty();
    }
    JsonObject p = new JsonObject(e.payloadJson());
    AnalyticsFact.Kind k = kind.get();
    return Optional.of(switch (k) {
      case MEMBER_ENROLLED, REDEMPTION_FULFILLED -> fact(e, k, 0, 0, null, 0);
      case POINTS_EARNED -> fact(e, k, number(e, p, "points"), p.containsKey("pending") ? number(e, p, "pending") : 0,
          null, 0);
      case POINTS_RELEASED, POINTS_EXPIRED, POINTS_RETURNED, POINTS_ADJUSTED, POINTS_OPENING_BALANCE ->
          fact(e, k, number(e, p, "points"), 0, null, 0);
      case REDEMPTION_CREATED -> fact(e, k, number(e, p, "points"), 0, text(e, p, "rewardId"), number(e, p, "quantity"));
      case REDEMPTION_FAILED -> fact(e, k, number(e, p, "pointsRefunded"), 0, null, 0);
    });
  }

  private static AnalyticsFact fact(DomainEvent e, AnalyticsFact.Kind kind, long points, long pending, String rewardId,
                                    long quantity) {
    return new AnalyticsFact(e.eventId(), e.tenantId(), e.memberId(), e.occurredAt(), kind, points, pending, rewardId,
        quantity);
  }

  private static long number(DomainEvent e, JsonObject payload, String field) {
    Object v = payload.getValue(field);
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    throw new IllegalArgumentException("event " + e.eventId() + " (" + e.type() + ") has no whole number \"" + field
        + "\" in its payload");
  }

  private static String text(DomainEvent e, JsonObject payload, String field) {
    if (payload.getValue(field) instanceof String s && !s.isEmpty()) {
      return s;
    }
    throw new IllegalArgumentException("event " + e.eventId() + " (" + e.type() + ") has no \"" + field
        + "\" in its payload");
  }
}
