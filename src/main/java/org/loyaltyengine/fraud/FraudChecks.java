package org.loyaltyengine.fraud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * The checks themselves: a pure function of the tenant's policy, the attempted write and the member's
 * recent activity. Each configured check that applies to the write either stays silent or adds a finding;
 * the verdict is the strictest finding's action.
 */
public final class FraudChecks {
  private FraudChecks() {}

  public static FraudVerdict evaluate(FraudPolicy policy, Attempt attempt, MemberActivity activity) {
    List<Finding> findings = new ArrayList<>();
    for (CheckConfig c : policy.checks()) {
      if (!c.kind().appliesTo(attempt.kind())) {
        continue;
      }
      String detail = fired(c, attempt, activity);
      if (detail != null) {
        findings.add(new Finding(c.kind().wire, c.action(), detail));
      }
    }
    return FraudVerdict.of(findings);
  }

  /**
   * Several attempts in order (an ingested chunk's earnings): each is judged on the activity read before the
   * first plus what the earlier attempts of its member will have written if they go through (a refused one
   * writes nothing), so a batch sees what the same purchases sent one by one would have seen.
   *
   * @param before each member's activity as read before the first attempt (absent: none)
   */
  public static List<FraudVerdict> evaluateInOrder(FraudPolicy policy, List<Attempt> attempts,
                                                   Map<Long, MemberActivity> before) {
    Map<Long, MemberActivity> now = new HashMap<>(before);
    List<FraudVerdict> verdicts = new ArrayList<>(attempts.size());
    for (Attempt a : attempts) {
      MemberActivity activity = now.getOrDefault(a.memberId(), MemberActivity.NONE);
      FraudVerdict v = evaluate(policy, a, activity);
      verdicts.add(v);
      if (v.action() != FraudAction.REJECT) {
        now.put(a.memberId(), activity.after(a));
      }
    }
    return verdicts;
  }

  /** Why the check fires for this attempt, or null when it does not. */
  static String fired(CheckConfig c, Attempt a, MemberActivity m) {
    return switch (c.kind()) {
      case EARNINGS_PER_MEMBER -> m.earnings() + 1 > c.max()
          ? (m.earnings() + 1) + " earnings in " + c.windowMinutes() + " min (max " + c.max() + ")" : null;
      case REDEMPTIONS_PER_MEMBER -> m.redemptions() + 1 > c.max()
          ? (m.redemptions() + 1) + " redemptions in " + c.windowMinutes() + " min (max " + c.max() + ")" : null;
      case POINTS_PER_TRANSACTION -> a.points() > c.max()
          ? a.points() + " points in one earning (max " + c.max() + ")" : null;
      case POINTS_PER_MEMBER_PER_DAY -> a.points() > 0 && m.points24h() + a.points() > c.max()
          ? (m.points24h() + a.points()) + " points in 24 h (max " + c.max() + ")" : null;
      case DISTANT_STORES -> distantStores(c, a, m);
      case REDEMPTION_AFTER_ADJUSTMENT -> m.largeAdjustmentAt() != null
          ? "an adjustment of at least " + c.minPoints() + " points " + minutesBefore(m.largeAdjustmentAt(), a)
              + " min before" : null;
      case MEMBERS_PER_DEVICE -> {
        long members = Math.max(a.context().deviceId() != null ? m.deviceMembers() : 0,
            a.context().ip() != null ? m.ipMembers() : 0) + 1;
        yield members > c.max()
            ? members + " members redeemed from one device or IP address in " + c.windowMinutes() + " min (max "
                + c.max() + ")" : null;
      }
    };
  }

  private static String distantStores(CheckConfig c, Attempt a, MemberActivity m) {
    Location here = a.context().location();
    MemberActivity.Located before = m.lastLocated();
    if (here == null || before == null) {
      return null;
    }
    double km = here.distanceKm(before.location());
    if (km <= c.distanceKm()) {
      return null;
    }
    return String.format(Locale.ROOT, "%.0f km from the purchase %d min before%s (max %d km within %d min)", km,
        minutesBefore(before.at(), a), before.storeId() == null ? "" : " at store " + before.storeId(),
        c.distanceKm(), c.windowMinutes());
  }

  private static long minutesBefore(java.time.Instant then, Attempt a) {
    return Math.max(0, Duration.between(then, a.at()).toMinutes());
  }
}
