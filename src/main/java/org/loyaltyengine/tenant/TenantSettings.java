package org.loyaltyengine.tenant;

import java.time.Instant;
import java.time.ZoneId;

/**
 * A tenant's earning policies and the versions of its configuration, as every node caches them.
 *
 * @param pendingDays days earned points stay pending (the return window) unless a rule says otherwise
 */
public record TenantSettings(java.util.UUID tenantId, ZoneId zone, String currency, int pendingDays,
                             ExpiryPolicy expiry, int rulesVersion, int tiersVersion) {
  public static final int MAX_PENDING_DAYS = 365;

  /** When points earned by a fact that occurred at {@code occurredAt} become spendable. */
  public Instant availableAt(Instant occurredAt, Integer rulePendingDays) {
    int days = rulePendingDays != null ? rulePendingDays : pendingDays;
    return days == 0 ? occurredAt : occurredAt.atZone(zone).plusDays(days).toInstant();
  }
}
