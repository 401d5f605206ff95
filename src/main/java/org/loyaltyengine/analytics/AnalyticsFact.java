package org.loyaltyengine.analytics;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What one domain event contributes to the analytics: its kind and the few numbers of its payload that feed
 * a figure. Events of other types (member.updated, tier.changed, ...) have no fact.
 *
 * @param eventId       the outbox id: the deduplication key
 * @param memberId      the member's internal id, null for tenant-wide facts (an opening balance)
 * @param occurredAt    when the change was committed; its date in the tenant's zone is the fact's day
 * @param points        the points moved, as the payload states them (signed only for adjustments)
 * @param pendingPoints of {@code points}, those still pending when earned (earnings only)
 * @param rewardId      the reward redeemed (redemption.created only)
 * @param quantity      the units redeemed (redemption.created only)
 */
public record AnalyticsFact(long eventId, UUID tenantId, Long memberId, Instant occurredAt, Kind kind, long points,
                            long pendingPoints, String rewardId, long quantity) {

  /** The event types analytics reads, by their outbox {@code event_type}. */
  public enum Kind {
    MEMBER_ENROLLED("member.enrolled"),
    POINTS_EARNED("points.earned"),
    POINTS_RELEASED("points.released"),
    POINTS_EXPIRED("points.expired"),
    POINTS_RETURNED("points.returned"),
    POINTS_ADJUSTED("points.adjusted"),
    /** Balances that entered the ledger without passing through an event (the seeder). */
    POINTS_OPENING_BALANCE("points.opening_balance"),
    REDEMPTION_CREATED("redemption.created"),
    REDEMPTION_FULFILLED("redemption.fulfilled"),
    REDEMPTION_FAILED("redemption.failed");

    public final String eventType;

    Kind(String eventType) {
      this.eventType = eventType;
    }

    public static Optional<Kind> ofEventType(String type) {
      for (Kind k : values()) {
        if (k.eventType.equals(type)) {
          return Optional.of(k);
        }
      }
      return Optional.empty();
    }

    /** Something the member did (as opposed to the program doing something to their points). */
    public boolean isMemberActivity() {
      return this == POINTS_EARNED || this == POINTS_RETURNED || this == REDEMPTION_CREATED;
    }
  }

  public AnalyticsFact {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.REDEMPTION_CREATED && rewardId == null) {
      throw new IllegalArgumentException("event " + eventId + ": a redemption names its reward");
    }
  }
}
