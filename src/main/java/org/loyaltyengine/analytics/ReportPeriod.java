package org.loyaltyengine.analytics;

import org.loyaltyengine.platform.Rejection;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code from} and {@code to} of a report: calendar days in the tenant's time zone, both included, at
 * most {@link #MAX_DAYS} days (a leap year), so a report reads a bounded number of rollup rows.
 */
public record ReportPeriod(LocalDate from, LocalDate to) {
  public static final int MAX_DAYS = 366;
  private static final Pattern ISO_DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

  public ReportPeriod {
    if (from.isAfter(to)) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_range", "from (" + from + ") is after to (" + to + ")", "to");
    }
    if (ChronoUnit.DAYS.between(from, to) + 1 > MAX_DAYS) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_range",
          "a report covers at most " + MAX_DAYS + " days; " + from + " to " + to + " is "
              + (ChronoUnit.DAYS.between(from, to) + 1), "to");
    }
  }

  /** From the raw query values ({@code null} or several values when absent or repeated). */
  public static ReportPeriod parse(List<String> from, List<String> to) {
    return new ReportPeriod(date("from", from), date("to", to));
  }

  public long days() {
    return ChronoUnit.DAYS.between(from, to) + 1;
  }

  private static LocalDate date(String field, List<String> values) {
    if (values == null || values.isEmpty() || values.get(0).isEmpty()) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_query", field + " is required: a date as YYYY-MM-DD", field);
    }
    if (values.size() > 1) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_query", field + " is given more than once", field);
    }
    String value = values.get(0);
    if (ISO_DATE.matcher(value).matches()) {
      try {
        return LocalDate.parse(value);
      } catch (DateTimeParseException e) {
        // falls through: right shape, impossible date (2026-02-30)
      }
    }
    throw new Rejection(Rejection.Kind.INVALID, "invalid_query", field + " must be a date as YYYY-MM-DD", field);
  }
}
