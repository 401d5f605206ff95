package org.loyaltyengine.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.rules.Facts.UTC;
import static org.loyaltyengine.rules.Facts.WARSAW;

@DisplayName("Cap window keys")
class CapWindowsTest {
  @Test
  @DisplayName("a moment falls in one day, ISO week, month and the lifetime window")
  void keys() {
    assertEquals(new CapWindows.Keys("day:2026-03-04", "week:2026-W10", "month:2026-03", "lifetime"),
        CapWindows.keys(Instant.parse("2026-03-04T12:00:00Z"), UTC));
  }

  @Test
  @DisplayName("windows follow the tenant's calendar: 23:30 UTC on 31 March is 1 April in Warsaw")
  void tenantCalendar() {
    assertEquals(new CapWindows.Keys("day:2026-04-01", "week:2026-W14", "month:2026-04", "lifetime"),
        CapWindows.keys(Instant.parse("2026-03-31T23:30:00Z"), WARSAW));
  }

  @Test
  @DisplayName("weeks belong to the ISO week-based year: 1 January 2027 is in week 53 of 2026")
  void isoWeekYear() {
    assertEquals("week:2026-W53", CapWindows.keys(Instant.parse("2027-01-01T12:00:00Z"), UTC).week());
    assertEquals("week:2026-W01", CapWindows.keys(Instant.parse("2026-01-01T12:00:00Z"), UTC).week());
  }
}
