package org.loyaltyengine.analytics;

/**
 * The additive figures of one tenant over one day (or, summed, over a range): points by how they moved,
 * redemptions and new members. Whole numbers only; every sum is overflow-checked. Active members are not
 * here because they do not add up across days (a member active on two days is one active member).
 */
public record DailyFigures(long pointsIssued, long pointsIssuedPending, long pointsReleased, long pointsRedeemed,
                           long pointsRefunded, long pointsExpired, long pointsReturned, long pointsAdjustedIn,
                           long pointsAdjustedOut, long pointsOpening, long redemptions, long redemptionsFulfilled,
                           long redemptionsFailed, long newMembers) {

  public static final DailyFigures ZERO = new DailyFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** What one fact adds: the one place that decides which event feeds which figure. */
  public static DailyFigures of(AnalyticsFact f) {
    long p = f.points();
    return switch (f.kind()) {
      case MEMBER_ENROLLED -> new DailyFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
      case POINTS_EARNED -> new DailyFigures(p, f.pendingPoints(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      case POINTS_RELEASED -> new DailyFigures(0, 0, p, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      case POINTS_EXPIRED -> new DailyFigures(0, 0, 0, 0, 0, p, 0, 0, 0, 0, 0, 0, 0, 0);
      case POINTS_RETURNED -> new DailyFigures(0, 0, 0, 0, 0, 0, p, 0, 0, 0, 0, 0, 0, 0);
      case POINTS_ADJUSTED -> p >= 0
          ? new DailyFigures(0, 0, 0, 0, 0, 0, 0, p, 0, 0, 0, 0, 0, 0)
          : new DailyFigures(0, 0, 0, 0, 0, 0, 0, 0, Math.negateExact(p), 0, 0, 0, 0, 0);
      case POINTS_OPENING_BALANCE -> new DailyFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, p, 0, 0, 0, 0);
      case REDEMPTION_CREATED -> new DailyFigures(0, 0, 0, p, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
      case REDEMPTION_FULFILLED -> new DailyFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
      case REDEMPTION_FAILED -> new DailyFigures(0, 0, 0, 0, p, 0, 0, 0, 0, 0, 0, 0, 1, 0);
    };
  }

  public DailyFigures plus(DailyFigures o) {
    return new DailyFigures(
        Math.addExact(pointsIssued, o.pointsIssued),
        Math.addExact(pointsIssuedPending, o.pointsIssuedPending),
        Math.addExact(pointsReleased, o.pointsReleased),
        Math.addExact(pointsRedeemed, o.pointsRedeemed),
        Math.addExact(pointsRefunded, o.pointsRefunded),
        Math.addExact(pointsExpired, o.pointsExpired),
        Math.addExact(pointsReturned, o.pointsReturned),
        Math.addExact(pointsAdjustedIn, o.pointsAdjustedIn),
        Math.addExact(pointsAdjustedOut, o.pointsAdjustedOut),
        Math.addExact(pointsOpening, o.pointsOpening),
        Math.addExact(redemptions, o.redemptions),
        Math.addExact(redemptionsFulfilled, o.redemptionsFulfilled),
        Math.addExact(redemptionsFailed, o.redemptionsFailed),
        Math.addExact(newMembers, o.newMembers));
  }

  /**
   * How much the points liability (what members hold: available + pending, the ledger sum) changed.
   * Released points only move from pending to available, so they are not in it. Must match
   * {@code analytics_daily.net_points} (V6).
   */
  public long netPoints() {
    long in = Math.addExact(Math.addExact(Math.addExact(pointsIssued, pointsAdjustedIn), pointsRefunded), pointsOpening);
    long out = Math.addExact(Math.addExact(Math.addExact(pointsAdjustedOut, pointsRedeemed), pointsExpired), pointsReturned);
    return Math.subtractExact(in, out);
  }
}
