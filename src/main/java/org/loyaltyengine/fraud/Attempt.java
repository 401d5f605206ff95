package org.loyaltyengine.fraud;

import java.time.Instant;
import java.util.UUID;

/**
 * A write about to happen, as the checks see it.
 *
 * @param points the points an earning would credit (0 for a redemption: its checks count, not weigh)
 * @param at     when it happens (the engine's clock, not the client's occurredAt)
 */
public record Attempt(Kind kind, UUID tenantId, long memberId, String causeId, long points, Instant at,
                      String rewardId, FraudContext context) {
  public enum Kind { EARNING, REDEMPTION }
}
