package org.loyaltyengine.platform;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The one wire format of instants: RFC 3339 in UTC with {@code Z}, with no fraction or 3, 6 or 9 digits of it
 * ({@code 2026-11-22T10:15:30Z}, {@code 2026-11-22T10:15:30.120Z}) — what {@link Instant#toString()} writes.
 * PostgreSQL renders a {@code timestamptz} inside JSON with an offset ({@code +00:00}); such values go through
 * {@link #normalize} or are rendered by {@link #sql} instead.
 */
public final class Timestamps {
  private Timestamps() {}

  public static String format(Instant t) {
    return t == null ? null : DateTimeFormatter.ISO_INSTANT.format(t);
  }

  public static String format(OffsetDateTime t) {
    return t == null ? null : format(t.toInstant());
  }

  /** A timestamp with any offset (as PostgreSQL writes one into JSON) in the wire format; other text unchanged. */
  public static String normalize(String text) {
    if (text == null) {
      return null;
    }
    try {
      return format(OffsetDateTime.parse(text));
    } catch (DateTimeParseException notATimestamp) {
      return text;
    }
  }

  /** A SQL expression rendering the {@code timestamptz} expression {@code column} as {@link #format} would. */
  public static String sql(String column) {
    String utc = "(" + column + ") at time zone 'UTC'";
    return "(to_char(" + utc + ", 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        + " || case when extract(microseconds from " + column + ")::bigint % 1000000 = 0 then ''"
        + " when extract(microseconds from " + column + ")::bigint % 1000 = 0 then to_char(" + utc + ", '.MS')"
        + " else to_char(" + utc + ", '.US') end || 'Z')";
  }
}
