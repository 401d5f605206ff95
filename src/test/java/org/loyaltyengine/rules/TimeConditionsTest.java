package org.loyaltyengine.rules;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.rules.Facts.UTC;
import static org.loyaltyengine.rules.Facts.WARSAW;
import static org.loyaltyengine.rules.Facts.inZone;
import static org.loyaltyengine.rules.Facts.purchase;
import static org.loyaltyengine.rules.RuleBuilder.compile;
import static org.loyaltyengine.rules.RuleBuilder.purchaseRule;

@DisplayName("Validity dates, weekdays and hours in the tenant's time zone")
class TimeConditionsTest {
  private static final CompiledRuleSet MORNINGS = compile(purchaseRule("morning").hours("08:00", "12:00").fixed(10));
  private static final CompiledRuleSet NIGHTS = compile(purchaseRule("night").hours("22:00", "02:00").fixed(10));

  private static long earn(CompiledRuleSet rules, String instant, ZoneId zone) {
    return rules.evaluatePurchase(purchase(Instant.parse(instant), 1000), inZone(zone)).points();
  }

  @Test
  @DisplayName("validFrom is inclusive and validTo exclusive")
  void validityWindow() {
    CompiledRuleSet rules = compile(purchaseRule("march")
        .validFrom("2026-03-01T00:00:00Z").validTo("2026-04-01T00:00:00Z").fixed(10));
    assertEquals(0, earn(rules, "2026-02-28T23:59:59Z", UTC));
    assertEquals(10, earn(rules, "2026-03-01T00:00:00Z", UTC));
    assertEquals(10, earn(rules, "2026-03-31T23:59:59Z", UTC));
    assertEquals(0, earn(rules, "2026-04-01T00:00:00Z", UTC));
  }

  @Test
  @DisplayName("weekdays are the tenant's: Saturday 23:30 UTC is already Sunday in Warsaw")
  void weekdayInTenantZone() {
    CompiledRuleSet sundays = compile(purchaseRule("sunday").weekdays(DayOfWeek.SUNDAY).fixed(10));
    assertEquals(10, earn(sundays, "2026-03-07T23:30:00Z", WARSAW));
    assertEquals(0, earn(sundays, "2026-03-07T23:30:00Z", UTC));
  }

  @Test
  @DisplayName("hours are local: 08:30 in Warsaw on a winter day is 07:30 UTC")
  void hoursInTenantZone() {
    assertEquals(10, earn(MORNINGS, "2026-03-04T07:30:00Z", WARSAW));
    assertEquals(0, earn(MORNINGS, "2026-03-04T07:30:00Z", UTC));
  }

  @Test
  @DisplayName("on 2026-03-29, when Warsaw moves to summer time, 06:30 UTC is 08:30 local and in the morning window")
  void hoursAfterSpringForward() {
    assertEquals(0, earn(MORNINGS, "2026-03-29T05:30:00Z", WARSAW)); // 07:30 CEST
    assertEquals(10, earn(MORNINGS, "2026-03-29T06:30:00Z", WARSAW)); // 08:30 CEST (07:30 in winter time)
    assertEquals(10, earn(MORNINGS, "2026-03-29T09:59:00Z", WARSAW)); // 11:59 CEST
    assertEquals(0, earn(MORNINGS, "2026-03-29T10:00:00Z", WARSAW)); // 12:00 CEST
  }

  @Test
  @DisplayName("on 2026-10-25, when Warsaw returns to winter time, 10:30 UTC is 11:30 local and 11:00 UTC is noon")
  void hoursAfterFallBack() {
    assertEquals(0, earn(MORNINGS, "2026-10-25T06:30:00Z", WARSAW)); // 07:30 CET (08:30 in summer time)
    assertEquals(10, earn(MORNINGS, "2026-10-25T10:30:00Z", WARSAW)); // 11:30 CET (12:30 in summer time)
    assertEquals(0, earn(MORNINGS, "2026-10-25T11:00:00Z", WARSAW)); // 12:00 CET
  }

  @Test
  @DisplayName("the hour repeated on 2026-10-25 in Warsaw (02:00-03:00 local) is in a 02:00-03:00 window both times")
  void repeatedHourMatchesTwice() {
    CompiledRuleSet rules = compile(purchaseRule("two").hours("02:00", "03:00").fixed(10));
    assertEquals(10, earn(rules, "2026-10-25T00:30:00Z", WARSAW)); // 02:30 CEST
    assertEquals(10, earn(rules, "2026-10-25T01:30:00Z", WARSAW)); // 02:30 CET
    assertEquals(0, earn(rules, "2026-10-25T02:00:00Z", WARSAW)); // 03:00 CET
  }

  @Test
  @DisplayName("weekdays follow the local date across both 2026 DST changes in Warsaw")
  void weekdaysAcrossDst() {
    CompiledRuleSet sundays = compile(purchaseRule("sunday").weekdays(DayOfWeek.SUNDAY).fixed(10));
    assertEquals(10, earn(sundays, "2026-03-29T21:59:00Z", WARSAW)); // Sunday 23:59 CEST
    assertEquals(0, earn(sundays, "2026-03-29T22:00:00Z", WARSAW)); // Monday 00:00 CEST
    assertEquals(10, earn(sundays, "2026-10-25T22:59:00Z", WARSAW)); // Sunday 23:59 CET
    assertEquals(0, earn(sundays, "2026-10-25T23:00:00Z", WARSAW)); // Monday 00:00 CET
  }

  @Test
  @DisplayName("an overnight window 22:00-02:00 holds 22:00 and 01:59 but not 02:00 or 21:59")
  void overnightHours() {
    assertEquals(10, earn(NIGHTS, "2026-03-04T22:00:00Z", UTC));
    assertEquals(10, earn(NIGHTS, "2026-03-05T01:59:00Z", UTC));
    assertEquals(0, earn(NIGHTS, "2026-03-05T02:00:00Z", UTC));
    assertEquals(0, earn(NIGHTS, "2026-03-04T21:59:00Z", UTC));
  }
}
