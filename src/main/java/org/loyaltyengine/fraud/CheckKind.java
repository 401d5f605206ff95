package org.loyaltyengine.fraud;

import java.util.Arrays;
import java.util.Optional;

/**
 * The checks a tenant can configure, each at most once. Which writes a check looks at: earnings
 * (purchases and custom events), redemptions, or purchases only (locations).
 */
public enum CheckKind {
  EARNINGS_PER_MEMBER("earnings_per_member", Applies.EARNING),
  REDEMPTIONS_PER_MEMBER("redemptions_per_member", Applies.REDEMPTION),
  POINTS_PER_TRANSACTION("points_per_transaction", Applies.EARNING),
  POINTS_PER_MEMBER_PER_DAY("points_per_member_per_day", Applies.EARNING),
  DISTANT_STORES("distant_stores", Applies.EARNING),
  REDEMPTION_AFTER_ADJUSTMENT("redemption_after_adjustment", Applies.REDEMPTION),
  MEMBERS_PER_DEVICE("members_per_device", Applies.REDEMPTION);

  enum Applies { EARNING, REDEMPTION }

  public final String wire;
  final Applies applies;

  CheckKind(String wire, Applies applies) {
    this.wire = wire;
    this.applies = applies;
  }

  public boolean appliesTo(Attempt.Kind kind) {
    return (applies == Applies.EARNING) == (kind == Attempt.Kind.EARNING);
  }

  public static Optional<CheckKind> of(String wire) {
    return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst();
  }
}
