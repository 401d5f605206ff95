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
 * @param traceparent      the W3C traceparent of the request that wrote it, when tracing was on and its trace
 *                         sampled (else null): the relay's Kafka send joins that trace. Not part of the event's
 *                         JSON; Kafka records carry it as a header (docs/observability.md)
 */
public record DomainEvent(long eventId, UUID tenantId, Long memberId, String memberExternalId, String type,
                          String payloadJson, Instant occurredAt, String traceparent) {

  /** An event outside any trace. */
  public DomainEvent(long eventId, UUID tenantId, Long memberId, String memberExternalId, String type,
                     String payloadJson, Instant occurredAt) {
    this(eventId, tenantId, memberId, memberExternalId, type, payloadJson, occurredAt, null);
  }

  public DomainEvent {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payloadJson, "payloadJson");
    Objects.requireNonNull(occurredAt, "occurredAt");
  }

  /** The same event, carrying the trace it was written in (read back from a Kafka record's header). */
  public DomainEvent withTraceparent(String traceparent) {
    return new DomainEvent(eventId, tenantId, memberId, memberExternalId, type, payloadJson, occurredAt, traceparent);
  }

  /** The Kafka record key: all of a member's events share it, so they land on one partition in order. */
  public String orderingKey() {
    return tenantId + ":" + (memberId == null ? "-" : memberId.toString());
  }
}
