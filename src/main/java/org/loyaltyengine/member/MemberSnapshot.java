package org.loyaltyengine.member;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;

/**
 * Everything the status and profile reads show about a member, as one consistent read of the member and
 * balance rows. {@code expiringSoon} is what expires in the next 30 days; {@code qualifyingPoints} is what
 * counts towards tiers under the tenant's qualification rule. {@code version} only grows with each change to either row, which is what lets a cache
 * refuse to store an older snapshot over a newer one.
 */
public record MemberSnapshot(long memberId, String externalId, String email, String phone, String firstName,
                             String lastName, LocalDate birthDate, Map<String, String> attributes,
                             MemberStatus status, String tierCode, Instant tierValidUntil, Instant enrolledAt,
                             long available, long pending, long lifetimeEarned, long expiringSoon,
                             long qualifyingPoints, long transactionCount, long totalSpent, long version) {

  public MemberSnapshot {
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  public boolean canEarn() {
    return status == MemberStatus.ACTIVE;
  }

  /** Redeeming needs an active member with something to spend; a negative balance (after a return) blocks it. */
  public boolean canRedeem() {
    return status == MemberStatus.ACTIVE && available > 0;
  }
}
