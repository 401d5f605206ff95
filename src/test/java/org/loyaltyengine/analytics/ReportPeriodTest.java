package org.loyaltyengine.analytics;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.Rejection;

import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("Report period: ISO dates, both included, at most 366 days")
class ReportPeriodTest {

  static Rejection refused(List<String> from, List<String> to) {
    return assertThrows(Rejection.class, () -> ReportPeriod.parse(from, to));
  }

  @Test
  @DisplayName("both days are included: a single day is one day, a leap year 366")
  void inclusive() {
    assertEquals(1, ReportPeriod.parse(List.of("2026-11-20"), List.of("2026-11-20")).days());
    ReportPeriod leap = ReportPeriod.parse(List.of("2028-01-01"), List.of("2028-12-31"));
    assertEquals(366, leap.days());
    assertEquals(LocalDate.parse("2028-01-01"), leap.from());
  }

  @Test
  @DisplayName("a missing, empty or repeated date is invalid_query naming it")
  void missing() {
    Rejection noFrom = refused(null, List.of("2026-01-01"));
    assertEquals("invalid_query", noFrom.code());
    assertEquals("from", noFrom.field());
    assertEquals("to", refused(List.of("2026-01-01"), List.of()).field());
    assertEquals("from", refused(List.of(""), List.of("2026-01-01")).field());
    Rejection twice = refused(List.of("2026-01-01", "2026-01-02"), List.of("2026-01-31"));
    assertEquals("invalid_query", twice.code());
    assertEquals("from", twice.field());
  }

  @Test
  @DisplayName("anything but a real YYYY-MM-DD date is invalid_query")
  void malformed() {
    for (String bad : List.of("2026-1-01", "26-01-01", "2026-02-30", "2026-13-01", "today", "2026-01-01T00:00:00Z",
        "+12026-01-01", "２０２６-01-01")) {
      Rejection r = refused(List.of(bad), List.of("2026-12-31"));
      assertEquals("invalid_query", r.code(), bad);
      assertEquals(Rejection.Kind.INVALID, r.kind());
    }
  }

  @Test
  @DisplayName("from after to, or more than 366 days, is invalid_range on to")
  void badRange() {
    Rejection backwards = refused(List.of("2026-02-01"), List.of("2026-01-31"));
    assertEquals("invalid_range", backwards.code());
    assertEquals("to", backwards.field());
    Rejection tooLong = refused(List.of("2026-01-01"), List.of("2027-01-02"));
    assertEquals("invalid_range", tooLong.code());
    assertEquals(366, ReportPeriod.parse(List.of("2026-01-01"), List.of("2027-01-01")).days(), "366 days is allowed");
  }
}
