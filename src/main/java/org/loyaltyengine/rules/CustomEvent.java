package org.loyaltyengine.rules;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/** A tenant-defined event (an app login, a review, a referral) that event rules can award points for. */
public record CustomEvent(String eventId, String type, Instant occurredAt, Map<String, String> attributes) {
  public CustomEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(occurredAt, "occurredAt");
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }
}
