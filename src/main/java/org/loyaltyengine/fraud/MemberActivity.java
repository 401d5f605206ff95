package org.loyaltyengine.fraud;

import java.time.Instant;

/**
 * What the checks need to know of the recent past, read in one set-based query at the time of the attempt
 * (each count over the window its check is configured with; 0 or null when that check is not configured).
 *
 * @param earnings          the member's earnings in the earnings window, before this one
 * @param redemptions       the member's redemptions in the redemptions window, before this one
 * @param points24h         points the member earned in the last 24 hours, before this earning
 * @param lastLocated       the member's latest purchase that carried a location, within the distance window
 * @param largeAdjustmentAt the latest adjustment of at least the check's points, within its window
 * @param deviceMembers     other members who redeemed from this device within the window
 * @param ipMembers         other members who redeemed from this IP address within the window
 */
public record MemberActivity(long earnings, long redemptions, long points24h, Located lastLocated,
                             Instant largeAdjustmentAt, long deviceMembers, long ipMembers) {
  public static final MemberActivity NONE = new MemberActivity(0, 0, 0, null, null, 0, 0);

  /**
   * This activity once {@code a} is written (held or not; a refused write writes nothing): what the next
   * attempt of the same member in the same screening sees, as the database would show it after the write.
   * An earning of no points writes no ledger entry, so it does not count as an earning.
   */
  public MemberActivity after(Attempt a) {
    if (a.kind() == Attempt.Kind.REDEMPTION) {
      return new MemberActivity(earnings, redemptions + 1, points24h, lastLocated, largeAdjustmentAt, deviceMembers,
          ipMembers);
    }
    Location here = a.context().location();
    return new MemberActivity(a.points() > 0 ? earnings + 1 : earnings, redemptions,
        Math.addExact(points24h, a.points()), here != null ? new Located(here, a.context().storeId(), a.at()) : lastLocated, largeAdjustmentAt, deviceMembers,
        ipMembers);
  }

  /** Where and when a purchase happened. */
  public record Located(Location location, String storeId, Instant at) {}
}
