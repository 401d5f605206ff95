package org.loyaltyengine.analytics;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.analytics.AnalyticsFact.Kind;
import org.loyaltyengine.analytics.DailyRollup.DayRow;
import org.loyaltyengine.analytics.DailyRollup.MemberDay;
import org.loyaltyengine.analytics.DailyRollup.RewardDay;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Daily rollup: which event feeds which figure, on which day")
class DailyRollupTest {
  static final UUID ACME = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  static final UUID BOLT = UUID.fromString("00000000-0000-0000-0000-00000000000b");
  static final ZoneId WARSAW = ZoneId.of("Europe/Warsaw");
  static final Instant NOON = Instant.parse("2026-11-20T11:00:00Z");
  static final LocalDate DAY = LocalDate.parse("2026-11-20");

  static AnalyticsFact fact(long id, Kind kind, long points) {
    return fact(id, ACME, 7L, NOON, kind, points);
  }

  static AnalyticsFact fact(long id, UUID tenant, Long member, Instant at, Kind kind, long points) {
    return new AnalyticsFact(id, tenant, member, at, kind, points, 0, kind == Kind.REDEMPTION_CREATED ? "gc" : null,
        kind == Kind.REDEMPTION_CREATED ? 1 : 0);
  }

  static DailyRollup rollup(List<AnalyticsFact> facts) {
    return DailyRollup.of(facts, t -> WARSAW);
  }

  static DailyFigures only(DailyRollup r) {
    assertEquals(1, r.days().size());
    return r.days().get(0).figures();
  }

  @Test
  @DisplayName("each event type feeds its own figure, and the net change of the liability adds and takes away accordingly")
  void eachKindFeedsItsFigure() {
    DailyFigures f = only(rollup(List.of(
        fact(1, Kind.MEMBER_ENROLLED, 0),
        new AnalyticsFact(2, ACME, 7L, NOON, Kind.POINTS_EARNED, 129, 30, null, 0),
        fact(3, Kind.POINTS_RELEASED, 30),
        fact(4, Kind.POINTS_RETURNED, 29),
        fact(5, Kind.POINTS_ADJUSTED, 500),
        fact(6, Kind.POINTS_ADJUSTED, -20),
        new AnalyticsFact(7, ACME, 7L, NOON, Kind.REDEMPTION_CREATED, 200, 0, "gc", 2),
        fact(8, Kind.REDEMPTION_FULFILLED, 0),
        fact(9, Kind.REDEMPTION_FAILED, 100),
        fact(10, Kind.POINTS_EXPIRED, 45),
        new AnalyticsFact(11, ACME, null, NOON, Kind.POINTS_OPENING_BALANCE, 10_000, 0, null, 0))));
    assertEquals(new DailyFigures(129, 30, 30, 200, 100, 45, 29, 500, 20, 10_000, 1, 1, 1, 1), f);
    assertEquals(129 + 500 - 20 - 200 + 100 - 45 - 29 + 10_000, f.netPoints(), "released points move within the liability");
  }

  @Test
  @DisplayName("an event id repeated within the facts counts once")
  void repeatedEventCountsOnce() {
    AnalyticsFact earned = new AnalyticsFact(2, ACME, 7L, NOON, Kind.POINTS_EARNED, 129, 0, null, 0);
    DailyRollup r = rollup(List.of(earned, earned, fact(3, Kind.POINTS_EXPIRED, 5), earned));
    assertEquals(2, r.facts());
    assertEquals(129, only(r).pointsIssued());
    assertEquals(2, r.tenants().get(0).events());
  }

  @Test
  @DisplayName("the order of the facts does not change the result")
  void orderDoesNotMatter() {
    List<AnalyticsFact> facts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Kind kind = Kind.values()[i % Kind.values().length];
      facts.add(fact(i, i % 3 == 0 ? BOLT : ACME, (long) (i % 7), NOON.plusSeconds(i * 1_800L), kind,
          kind == Kind.POINTS_ADJUSTED && i % 2 == 0 ? -i : i));
    }
    DailyRollup straight = rollup(facts);
    List<AnalyticsFact> shuffled = new ArrayList<>(facts);
    Collections.shuffle(shuffled, new Random(1));
    DailyRollup mixed = rollup(shuffled);
    assertEquals(straight.days(), mixed.days());
    assertEquals(straight.memberDays(), mixed.memberDays());
    assertEquals(straight.rewardDays(), mixed.rewardDays());
    assertEquals(straight.tenants(), mixed.tenants());
  }

  @Test
  @DisplayName("the day is the calendar day in the tenant's zone: 23:30 UTC is already tomorrow in Warsaw, still today in New York")
  void dayInTheTenantsZone() {
    Instant lateEvening = Instant.parse("2026-11-20T23:30:00Z");
    DailyRollup r = DailyRollup.of(List.of(
            fact(1, ACME, 1L, lateEvening, Kind.MEMBER_ENROLLED, 0),
            fact(2, BOLT, 2L, lateEvening, Kind.MEMBER_ENROLLED, 0)),
        t -> t.equals(ACME) ? WARSAW : ZoneId.of("America/New_York"));
    List<DayRow> days = r.days();
    assertEquals(LocalDate.parse("2026-11-21"), days.stream().filter(d -> d.tenantId().equals(ACME)).findFirst().orElseThrow().day());
    assertEquals(LocalDate.parse("2026-11-20"), days.stream().filter(d -> d.tenantId().equals(BOLT)).findFirst().orElseThrow().day());
  }

  @Test
  @DisplayName("around a daylight-saving change the day still follows the local calendar")
  void daylightSaving() {
    // Warsaw leaves summer time on 25 October 2026 at 01:00 UTC; 22:30 UTC that day is 23:30 local
    assertEquals(LocalDate.parse("2026-10-25"), DailyRollup.dayOf(Instant.parse("2026-10-25T22:30:00Z"), WARSAW));
    assertEquals(LocalDate.parse("2026-10-26"), DailyRollup.dayOf(Instant.parse("2026-10-25T23:00:00Z"), WARSAW));
    // in summer time (UTC+2) 22:30 UTC is already the next day
    assertEquals(LocalDate.parse("2026-10-24"), DailyRollup.dayOf(Instant.parse("2026-10-23T22:30:00Z"), WARSAW));
  }

  @Test
  @DisplayName("a member is active once per day, only for what they did: earning, returning, redeeming")
  void activeMembers() {
    DailyRollup r = rollup(List.of(
        fact(1, ACME, 1L, NOON, Kind.POINTS_EARNED, 10),
        fact(2, ACME, 1L, NOON.plusSeconds(60), Kind.POINTS_EARNED, 10),
        fact(3, ACME, 2L, NOON, Kind.POINTS_RETURNED, 0),
        fact(4, ACME, 3L, NOON, Kind.REDEMPTION_CREATED, 40),
        fact(5, ACME, 4L, NOON, Kind.MEMBER_ENROLLED, 0),
        fact(6, ACME, 5L, NOON, Kind.POINTS_EXPIRED, 5),
        fact(7, ACME, 6L, NOON, Kind.POINTS_ADJUSTED, 5),
        fact(8, ACME, 7L, NOON, Kind.POINTS_RELEASED, 5),
        fact(9, ACME, 1L, NOON.plusSeconds(86_400), Kind.POINTS_EARNED, 10)));
    assertEquals(List.of(new MemberDay(ACME, DAY, 1), new MemberDay(ACME, DAY, 2), new MemberDay(ACME, DAY, 3),
        new MemberDay(ACME, DAY.plusDays(1), 1)), r.memberDays());
  }

  @Test
  @DisplayName("redemptions add up per reward and day: count, quantity and points")
  void rewardsPerDay() {
    DailyRollup r = rollup(List.of(
        new AnalyticsFact(1, ACME, 1L, NOON, Kind.REDEMPTION_CREATED, 200, 0, "gc", 2),
        new AnalyticsFact(2, ACME, 2L, NOON, Kind.REDEMPTION_CREATED, 100, 0, "gc", 1),
        new AnalyticsFact(3, ACME, 2L, NOON, Kind.REDEMPTION_CREATED, 40, 0, "coupon", 1)));
    assertEquals(List.of(new RewardDay(ACME, DAY, "coupon", 1, 1, 40), new RewardDay(ACME, DAY, "gc", 2, 3, 300)),
        r.rewardDays());
  }

  @Test
  @DisplayName("tenants are rolled up apart, each with its event count and newest event")
  void tenantsApart() {
    DailyRollup r = rollup(List.of(
        fact(1, ACME, 1L, NOON, Kind.POINTS_EARNED, 10),
        fact(5, BOLT, 1L, NOON.plusSeconds(5), Kind.POINTS_EARNED, 99),
        fact(3, ACME, 1L, NOON.plusSeconds(9), Kind.POINTS_EXPIRED, 4)));
    assertEquals(2, r.days().size());
    for (DayRow d : r.days()) {
      assertEquals(d.tenantId().equals(ACME) ? 10 : 99, d.figures().pointsIssued());
    }
    assertEquals(List.of(new DailyRollup.TenantProgress(ACME, 2, 3, NOON.plusSeconds(9)),
        new DailyRollup.TenantProgress(BOLT, 1, 5, NOON.plusSeconds(5))), r.tenants());
  }

  @Test
  @DisplayName("sums are exact: an overflow fails instead of wrapping around")
  void overflowFails() {
    List<AnalyticsFact> huge = List.of(fact(1, Kind.POINTS_ADJUSTED, Long.MAX_VALUE), fact(2, Kind.POINTS_ADJUSTED, 1));
    assertThrows(ArithmeticException.class, () -> rollup(huge));
  }

  @Test
  @DisplayName("no facts, no rows")
  void empty() {
    DailyRollup r = rollup(List.of());
    assertTrue(r.isEmpty());
    assertTrue(r.days().isEmpty() && r.memberDays().isEmpty() && r.rewardDays().isEmpty() && r.tenants().isEmpty());
  }
}
