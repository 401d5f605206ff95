package org.loyaltyengine.analytics;

import java.time.Instant;
import java.util.List;

/**
 * A tenant's figures over a period, read from the rollups.
 *
 * @param activeMembers    distinct members who earned, returned or redeemed on any day of the period
 * @param liabilityAtStart points members held at the start of {@code from} (the sum of every earlier day's
 *                         net change)
 * @param eventsApplied    events counted so far for the tenant; with {@code lastEventAt}, how fresh this is
 */
public record AnalyticsSummary(ReportPeriod period, DailyFigures totals, long activeMembers, long liabilityAtStart,
                               List<RewardRanking> topRewards, long eventsApplied, Instant lastEventAt) {

  /** Most-redeemed rewards first (then most points, then reward id). */
  public record RewardRanking(String rewardId, long redemptions, long quantity, long points) {}

  /** Points members held at the end of {@code to}: the outstanding balance, available and pending. */
  public long liabilityAtEnd() {
    return Math.addExact(liabilityAtStart, totals.netPoints());
  }
}
