package org.loyaltyengine.fraud;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks as pure functions of policy, attempt and recent activity: no database, no clock but the attempt's. */
@DisplayName("Fraud checks: each check's allow, hold and reject")
class FraudChecksTest {
  static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
  static final Location WARSAW = new Location(52.2297, 21.0122);
  static final Location KRAKOW = new Location(50.0647, 19.9450);
  static final Location MADRID = new Location(40.4168, -3.7038);

  static Attempt earning(long points, FraudContext context) {
    return new Attempt(Attempt.Kind.EARNING, UUID.randomUUID(), 1, "t-1", points, NOW, null, context);
  }

  static Attempt redemption(FraudContext context) {
    return new Attempt(Attempt.Kind.REDEMPTION, UUID.randomUUID(), 1, "r-1", 0, NOW, "gc", context);
  }

  static FraudPolicy policy(CheckConfig... checks) {
    return new FraudPolicy(FraudPolicy.OnFailure.ALLOW, List.of(checks));
  }

  static CheckConfig check(CheckKind kind, FraudAction action, long max, int window, long km, long minPoints) {
    return new CheckConfig(kind, action, max, window, km, minPoints);
  }

  static MemberActivity activity(long earnings, long redemptions, long points24h) {
    return new MemberActivity(earnings, redemptions, points24h, null, null, 0, 0);
  }

  @Test
  @DisplayName("no checks configured: every write is clear")
  void nothingConfigured() {
    assertEquals(FraudVerdict.CLEAR, FraudChecks.evaluate(FraudPolicy.NONE, earning(1_000_000, FraudContext.none()),
        MemberActivity.NONE));
  }

  @Test
  @DisplayName("points per transaction: at the limit allowed, above it the configured action")
  void pointsPerTransaction() {
    for (FraudAction action : FraudAction.values()) {
      FraudPolicy p = policy(check(CheckKind.POINTS_PER_TRANSACTION, action, 500, 0, 0, 0));
      assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, earning(500, FraudContext.none()), MemberActivity.NONE).action());
      FraudVerdict v = FraudChecks.evaluate(p, earning(501, FraudContext.none()), MemberActivity.NONE);
      assertEquals(action, v.action());
      assertEquals("points_per_transaction", v.findings().get(0).check());
      assertTrue(v.findings().get(0).detail().contains("501"), v.findings().get(0).detail());
    }
  }

  @Test
  @DisplayName("earnings per member per window: the max-th earning passes, the next one fires")
  void earningsPerMember() {
    FraudPolicy p = policy(check(CheckKind.EARNINGS_PER_MEMBER, FraudAction.HOLD, 3, 60, 0, 0));
    assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, earning(1, FraudContext.none()), activity(2, 0, 0)).action());
    assertEquals(FraudAction.HOLD, FraudChecks.evaluate(p, earning(1, FraudContext.none()), activity(3, 0, 0)).action());
  }

  @Test
  @DisplayName("redemptions per member per window only look at redemptions")
  void redemptionsPerMember() {
    FraudPolicy p = policy(check(CheckKind.REDEMPTIONS_PER_MEMBER, FraudAction.REJECT, 1, 60, 0, 0));
    assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, redemption(FraudContext.none()), activity(0, 0, 0)).action());
    assertEquals(FraudAction.REJECT, FraudChecks.evaluate(p, redemption(FraudContext.none()), activity(0, 1, 0)).action());
    assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, earning(10, FraudContext.none()), activity(0, 5, 0)).action(),
        "an earning is no redemption");
  }

  @Test
  @DisplayName("points per member per day counts what was earned in the last 24 hours plus this earning")
  void pointsPerDay() {
    FraudPolicy p = policy(check(CheckKind.POINTS_PER_MEMBER_PER_DAY, FraudAction.HOLD, 1_000, 0, 0, 0));
    assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, earning(400, FraudContext.none()), activity(0, 0, 600)).action());
    assertEquals(FraudAction.HOLD, FraudChecks.evaluate(p, earning(401, FraudContext.none()), activity(0, 0, 600)).action());
  }

  @Test
  @DisplayName("distant stores: a purchase far from the member's last located one within minutes fires; a near one does not")
  void distantStores() {
    FraudPolicy p = policy(check(CheckKind.DISTANT_STORES, FraudAction.HOLD, 0, 30, 300, 0));
    MemberActivity inWarsaw = new MemberActivity(0, 0, 0,
        new MemberActivity.Located(WARSAW, "WAW-1", NOW.minusSeconds(600)), null, 0, 0);
    FraudVerdict far = FraudChecks.evaluate(p, earning(10, new FraudContext("MAD-1", MADRID, null, null)), inWarsaw);
    assertEquals(FraudAction.HOLD, far.action());
    assertTrue(far.findings().get(0).detail().contains("10 min before"), far.findings().get(0).detail());
    assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, earning(10, new FraudContext("KRK-1", KRAKOW, null, null)),
        inWarsaw).action(), "Kraków is about 250 km from Warsaw");
    assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, earning(10, FraudContext.none()), inWarsaw).action(),
        "without a location the check cannot judge");
  }

  @Test
  @DisplayName("haversine distance: Warsaw to Madrid is about 2,290 km")
  void distance() {
    assertEquals(2290, WARSAW.distanceKm(MADRID), 15);
    assertEquals(0, WARSAW.distanceKm(WARSAW), 1e-9);
  }

  @Test
  @DisplayName("redemption soon after a large adjustment fires; without one it does not")
  void redemptionAfterAdjustment() {
    FraudPolicy p = policy(check(CheckKind.REDEMPTION_AFTER_ADJUSTMENT, FraudAction.HOLD, 0, 60, 0, 1_000));
    MemberActivity adjusted = new MemberActivity(0, 0, 0, null, NOW.minusSeconds(300), 0, 0);
    FraudVerdict v = FraudChecks.evaluate(p, redemption(FraudContext.none()), adjusted);
    assertEquals(FraudAction.HOLD, v.action());
    assertTrue(v.findings().get(0).detail().contains("5 min before"));
    assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, redemption(FraudContext.none()), MemberActivity.NONE).action());
  }

  @Test
  @DisplayName("members per device: counts other members on the same device or IP, only when the client sent it")
  void membersPerDevice() {
    FraudPolicy p = policy(check(CheckKind.MEMBERS_PER_DEVICE, FraudAction.REJECT, 2, 60, 0, 0));
    MemberActivity crowded = new MemberActivity(0, 0, 0, null, null, 2, 0);
    assertEquals(FraudAction.REJECT, FraudChecks.evaluate(p, redemption(new FraudContext(null, null, "dev-1", null)),
        crowded).action());
    assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, redemption(new FraudContext(null, null, "dev-1", null)),
        new MemberActivity(0, 0, 0, null, null, 1, 0)).action());
    assertEquals(FraudAction.ALLOW, FraudChecks.evaluate(p, redemption(FraudContext.none()), crowded).action(),
        "no device sent: nothing to compare");
    assertEquals(FraudAction.REJECT, FraudChecks.evaluate(p, redemption(new FraudContext(null, null, null, "10.0.0.1")),
        new MemberActivity(0, 0, 0, null, null, 0, 2)).action());
  }

  @Test
  @DisplayName("the strictest finding decides: reject over hold over allow")
  void strictestWins() {
    FraudPolicy p = policy(check(CheckKind.POINTS_PER_TRANSACTION, FraudAction.HOLD, 10, 0, 0, 0),
        check(CheckKind.POINTS_PER_MEMBER_PER_DAY, FraudAction.REJECT, 10, 0, 0, 0),
        check(CheckKind.EARNINGS_PER_MEMBER, FraudAction.ALLOW, 0, 60, 0, 0));
    FraudVerdict v = FraudChecks.evaluate(p, earning(100, FraudContext.none()), MemberActivity.NONE);
    assertEquals(FraudAction.REJECT, v.action());
    assertEquals(3, v.findings().size());
    assertEquals("points_per_member_per_day", v.deciding().check());
  }

  @Test
  @DisplayName("when the checks cannot run, the tenant's onFailure decides: allow (fail open) or hold (fail closed)")
  void failurePolicy() {
    FraudVerdict open = new FraudPolicy(FraudPolicy.OnFailure.ALLOW, List.of()).onFailure("timeout");
    FraudVerdict closed = new FraudPolicy(FraudPolicy.OnFailure.HOLD, List.of()).onFailure("timeout");
    assertEquals(FraudAction.ALLOW, open.action());
    assertEquals(FraudAction.HOLD, closed.action());
    assertEquals(Finding.UNAVAILABLE, closed.deciding().check());
  }

  @Test
  @DisplayName("sliding counts: the current rate against the baseline before it, NaN without a baseline")
  void slidingCounts() {
    SlidingCounts c = new SlidingCounts(5, 60);
    long now = 1_000_000;
    assertTrue(Double.isNaN(c.ratio(now)));
    for (long m = now - 64; m <= now - 5; m++) {
      c.add(m, 2); // 2 a minute for the hour before the window
    }
    for (long m = now - 4; m <= now; m++) {
      c.add(m, 10); // 10 a minute now
    }
    assertEquals(10.0, c.ratePerMinute(now), 1e-9);
    assertEquals(2.0, c.baselinePerMinute(now), 1e-9);
    assertEquals(5.0, c.ratio(now), 1e-9);
    assertNotNull(c);
    assertEquals(0.0, c.ratePerMinute(now + 200), 1e-9, "old minutes fall out of the ring");
  }

  static Attempt earningOf(long member, String id, long points, Location location) {
    return new Attempt(Attempt.Kind.EARNING, UUID.randomUUID(), member, id, points, NOW, null,
        new FraudContext(null, location, null, null));
  }

  @Test
  @DisplayName("in order: each earning sees the member's earlier earnings of the same batch as written")
  void inOrderCarriesEarlierEarnings() {
    FraudPolicy p = policy(check(CheckKind.EARNINGS_PER_MEMBER, FraudAction.HOLD, 2, 60, 0, 0),
        check(CheckKind.POINTS_PER_MEMBER_PER_DAY, FraudAction.REJECT, 1_000, 0, 0, 0));
    List<FraudVerdict> v = FraudChecks.evaluateInOrder(p, List.of(
            earningOf(1, "a", 100, null), earningOf(2, "b", 100, null), earningOf(1, "c", 100, null),
            earningOf(1, "d", 100, null), earningOf(2, "e", 950, null), earningOf(2, "f", 10, null)),
        java.util.Map.of(2L, activity(0, 0, 0)));
    assertEquals(List.of(FraudAction.ALLOW, FraudAction.ALLOW, FraudAction.ALLOW, FraudAction.HOLD,
        FraudAction.REJECT, FraudAction.ALLOW), v.stream().map(FraudVerdict::action).toList(),
        "member 1's third earning is past 2 in the window; member 2's 950 would pass 1000 points a day, and being "
            + "refused (nothing written) it does not count against the next one");
  }

  @Test
  @DisplayName("in order: a batch's purchase far from the member's previous one in the same batch is caught")
  void inOrderCarriesLocations() {
    FraudPolicy p = policy(check(CheckKind.DISTANT_STORES, FraudAction.HOLD, 0, 30, 300, 0));
    List<FraudVerdict> v = FraudChecks.evaluateInOrder(p, List.of(earningOf(1, "a", 10, WARSAW),
        earningOf(1, "b", 10, null), earningOf(1, "c", 10, KRAKOW), earningOf(1, "d", 10, MADRID)), java.util.Map.of());
    assertEquals(List.of(FraudAction.ALLOW, FraudAction.ALLOW, FraudAction.ALLOW, FraudAction.HOLD),
        v.stream().map(FraudVerdict::action).toList());
  }

  @Test
  @DisplayName("an earning of no points writes no ledger entry, so it does not count as an earning")
  void zeroPointsDoNotCount() {
    MemberActivity after = MemberActivity.NONE.after(earningOf(1, "z", 0, null));
    assertEquals(0, after.earnings());
    assertEquals(1, MemberActivity.NONE.after(earningOf(1, "y", 5, null)).earnings());
    assertEquals(5, MemberActivity.NONE.after(earningOf(1, "y", 5, null)).points24h());
  }
}
