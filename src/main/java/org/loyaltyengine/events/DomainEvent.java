package org.loyaltyengine.events;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One row of the outbox as it travels downstream (Kafka, the in-process consumers, webhooks, analytics).
 *
 * @param eventId          the outbox row id: unique in the database and never reused, so it is the
 *                         idempotency key every consumer deduplicates on
 * @param tenantId         the tenant the event belongs to
 * @param memberId         the member's internal id (null for events that concern no member); events of
 *                         one member are published in commit order and keyed by {@link #orderingKey()}
 * @param memberExternalId the member id the tenant knows (null when there is no member)
 * @param type             {@code member.enrolled}, {@code points.earned}, {@code redemption.failed}, ...
 * @param payloadJson      the event's body as written by the transaction that caused it (a JSON object)
 * @param occurredAt       when that transaction wrote it
 */
public record DomainEvent(long eventId, UUID tenantId, Long memberId, String memberExternalId, String type,
                          String payloadJson, Instant occurredAt) {

  public DomainEvent {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payloadJson, "payloadJson");
    Objects.requireNonNull(occurredAt, "occurredAt");
  }

  /** The Kafka record key: all of a member's events share it, so they land on one partition in order. */
  public String orderingKey() {
    return tenantId + ":" + (memberId == null ? "-" : memberId.toString());
  }
}
