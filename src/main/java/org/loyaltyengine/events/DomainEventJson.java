package org.loyaltyengine.events;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/**
 * The wire form of a {@link DomainEvent}: the Kafka record value, the event-bus message body, and (as
 * {@link #toPublicJson}) the body a webhook receives.
 *
 * <pre>{"eventId":42,"tenantId":"…","memberId":7,"externalId":"m-1","type":"points.earned",
 *  "occurredAt":"2026-11-22T20:00:00Z","data":{…}}</pre>
 */
public final class DomainEventJson {
  private DomainEventJson() {
  }

  public static JsonObject toJson(DomainEvent e) {
    JsonObject json = new JsonObject()
        .put("eventId", e.eventId())
        .put("tenantId", e.tenantId().toString())
        .put("memberId", e.memberId())
        .put("externalId", e.memberExternalId())
        .put("type", e.type())
        .put("occurredAt", e.occurredAt().toString())
        .put("data", new JsonObject(e.payloadJson()));
    return json;
  }

  public static String encode(DomainEvent e) {
    return toJson(e).encode();
  }

  public static DomainEvent decode(String text) {
    return fromJson(new JsonObject(text));
  }

  public static DomainEvent fromJson(JsonObject json) {
    JsonObject data = json.getJsonObject("data");
    return new DomainEvent(json.getLong("eventId"), UUID.fromString(json.getString("tenantId")),
        json.getLong("memberId"), json.getString("externalId"), json.getString("type"),
        data == null ? "{}" : data.encode(), Instant.parse(json.getString("occurredAt")));
  }

  /** What leaves the platform (webhooks): no internal member id, the tenant's own id for the member. */
  public static JsonObject toPublicJson(DomainEvent e) {
    JsonObject json = toJson(e);
    json.remove("memberId");
    json.remove("tenantId");
    return json;
  }
}
