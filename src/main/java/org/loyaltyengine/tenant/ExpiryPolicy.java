package org.loyaltyengine.tenant;

import org.loyaltyengine.platform.Rejection;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/**
 * When earned points expire, per tenant. {@code AFTER_DAYS}: {@code days} after they were earned;
 * {@code END_OF_MONTH} / {@code END_OF_YEAR}: at the end (tenant-local midnight) of the month / year in which
 * {@code days} have passed, so a whole month's points expire together; {@code NEVER}.
 */
public record ExpiryPolicy(Kind kind, int days) {
  public static final int MAX_DAYS = 3650;
  public static final ExpiryPolicy NEVER = new ExpiryPolicy(Kind.NEVER, 365);

  public enum Kind {
    NEVER, AFTER_DAYS, END_OF_MONTH, END_OF_YEAR;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Kind parse(String field, String value) {
      for (Kind k : values()) {
        if (k.wireName().equals(value)) {
          return k;
        }
      }
      throw Rejection.invalid(field, field + " must be never, after_days, end_of_month or end_of_year");
    }
  }

  public ExpiryPolicy {
    if (days < 0 || days > MAX_DAYS) {
      throw Rejection.invalid("expiry.days", "expiry.days must be between 0 and " + MAX_DAYS);
    }
  }

  /** The expiry instant of points earned at {@code earnedAt}, or null when they never expire. */
  public Instant expiresAt(Instant earnedAt, ZoneId zone) {
    return switch (kind) {
      case NEVER -> null;
      case AFTER_DAYS -> earnedAt.atZone(zone).plusDays(days).toInstant();
      case END_OF_MONTH -> startOfDayAfter(earnedAt.atZone(zone).plusDays(days).toLocalDate()
          .with(TemporalAdjusters.lastDayOfMonth()), zone);
      case END_OF_YEAR -> startOfDayAfter(earnedAt.atZone(zone).plusDays(days).toLocalDate()
          .with(TemporalAdjusters.lastDayOfYear()), zone);
    };
  }

  private static Instant startOfDayAfter(LocalDate lastDay, ZoneId zone) {
    return lastDay.plusDays(1).atStartOfDay(zone).toInstant();
  }
}
