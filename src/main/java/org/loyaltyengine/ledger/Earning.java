package org.loyaltyengine.ledger;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Everything one earning writes, decided before the write: the evaluated awards grouped into lots by
 * release time, the cap and budget counters they consume, and the tiers to check for an upgrade.
 *
 * @param causeType   {@code transaction} or {@code event}
 * @param kindOrType  the purchase channel, or the custom event's type
 * @param payloadJson the purchase lines (a JSON array) or the event attributes (a JSON object), as stored
 * @param breakdownJson the per-rule breakdown, as the reply shows it
 */
public record Earning(UUID tenantId, long memberId, String causeType, String causeId, String requestHash,
                      Instant occurredAt, long total, String currency, String kindOrType, String storeId,
                      String payloadJson, List<Lot> lots, Instant expiresAt, String breakdownJson,
                      List<Usage> usage, List<Budget> budgets, List<String> tierCodes, List<Long> tierThresholds,
                      Integer tierWindowDays) {

  /** {@code points} that become spendable at {@code availableAt}. */
  public record Lot(long points, Instant availableAt) {}

  /** One per-member cap counter to grow: the rule's points in one window, never above {@code cap}. */
  public record Usage(String ruleId, String windowKey, long points, long cap) {}

  /** A rule's program-wide budget to draw from, never above {@code limit}. */
  public record Budget(String ruleId, long points, long limit) {}
}
