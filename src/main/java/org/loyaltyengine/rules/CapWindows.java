package org.loyaltyengine.rules;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.util.List;

/**
 * The per-member cap windows a moment falls in, as stable string keys for persistence counters. Windows are
 * calendar periods in the tenant's time zone: a purchase at Sunday 23:30 local time counts towards that
 * week even when it is already Monday in UTC.
 */
public final class CapWindows {
  public static final String LIFETIME = "lifetime";

  private CapWindows() {}

  /**
   * The four keys, e.g. {@code day:2026-03-29}, {@code week:2026-W13} (ISO week, Monday first, of the ISO
   * week-based year), {@code month:2026-03} and {@code lifetime}.
   */
  public record Keys(String day, String week, String month, String lifetime) {
    public List<String> all() {
      return List.of(day, week, month, lifetime);
    }
  }

  public static Keys keys(Instant occurredAt, ZoneId zone) {
    LocalDate date = LocalDate.ofInstant(occurredAt, zone);
    int weekYear = date.get(IsoFields.WEEK_BASED_YEAR);
    int week = date.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
    return new Keys(
        "day:" + date,
        "week:" + weekYear + "-W" + (week < 10 ? "0" : "") + week,
        "month:" + date.getYear() + "-" + (date.getMonthValue() < 10 ? "0" : "") + date.getMonthValue(),
        LIFETIME);
  }
}
