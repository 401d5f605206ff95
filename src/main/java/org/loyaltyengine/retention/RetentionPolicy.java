package org.loyaltyengine.retention;

import org.loyaltyengine.platform.Rejection;

/**
 * How many days a tenant keeps each kind of non-ledger data. The ledger itself is never pruned.
 *
 * @param rawEventsDays          custom events as received (and asynchronous-ingestion items); an event id
 *                               is idempotent for this long — a replay older than that is a new event
 * @param outboxDays             outbox rows after they were published downstream (unpublished rows are
 *                               never pruned, whatever their age)
 * @param webhookDeliveriesDays  finished webhook deliveries and their log
 * @param auditDays              the audit trail of administrative API calls
 */
public record RetentionPolicy(int rawEventsDays, int outboxDays, int webhookDeliveriesDays, int auditDays) {
  public static final int MAX_DAYS = 3650;
  /** Raw events are idempotency records: a week at least, so ordinary client retries stay safe. */
  public static final int MIN_RAW_EVENTS_DAYS = 7;
  public static final RetentionPolicy DEFAULT = new RetentionPolicy(90, 7, 30, 365);

  public RetentionPolicy {
    check("rawEventsDays", rawEventsDays, MIN_RAW_EVENTS_DAYS);
    check("outboxDays", outboxDays, 1);
    check("webhookDeliveriesDays", webhookDeliveriesDays, 1);
    check("auditDays", auditDays, 1);
  }

  private static void check(String field, int days, int min) {
    if (days < min || days > MAX_DAYS) {
      throw Rejection.invalid(field, field + " must be between " + min + " and " + MAX_DAYS + " days");
    }
  }
}
