package org.loyaltyengine.tier;

import org.loyaltyengine.platform.Rejection;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A tenant's tiers, lowest threshold first, and how points qualify: earned in a rolling window of
 * {@code windowDays} (net of returns), or over the member's lifetime when {@code windowDays} is null.
 * Upgrades happen on the earning that crosses a threshold; a tier is then kept for one window before the
 * periodic review may lower it.
 */
public record TierSet(Integer windowDays, List<Tier> tiers) {
  public static final int MAX_TIERS = 20;
  public static final int MAX_WINDOW_DAYS = 3650;
  public static final long MAX_THRESHOLD = 1_000_000_000_000L;
  public static final int MAX_MULTIPLIER_PERCENT = 1_000;
  private static final Pattern CODE = Pattern.compile("[A-Za-z0-9._-]{1,32}");
  public static final TierSet NONE = new TierSet(null, List.of());

  public TierSet {
    tiers = List.copyOf(tiers);
    if (windowDays != null && (windowDays < 1 || windowDays > MAX_WINDOW_DAYS)) {
      throw Rejection.invalid("qualification.days", "qualification.days must be between 1 and " + MAX_WINDOW_DAYS);
    }
    if (tiers.size() > MAX_TIERS) {
      throw Rejection.invalid("tiers", "at most " + MAX_TIERS + " tiers");
    }
    Set<String> codes = new HashSet<>();
    long previous = -1;
    for (int i = 0; i < tiers.size(); i++) {
      Tier t = tiers.get(i);
      String at = "tiers[" + i + "]";
      if (!CODE.matcher(t.code()).matches()) {
        throw Rejection.invalid(at + ".code", at + ".code must be 1-32 characters of A-Z a-z 0-9 . _ -");
      }
      if (!codes.add(t.code())) {
        throw Rejection.invalid(at + ".code", "tier code \"" + t.code() + "\" appears twice");
      }
      if (t.threshold() < 0 || t.threshold() > MAX_THRESHOLD) {
        throw Rejection.invalid(at + ".threshold", at + ".threshold must be between 0 and " + MAX_THRESHOLD);
      }
      if (t.threshold() <= previous) {
        throw Rejection.invalid(at + ".threshold", "tiers must be listed by strictly increasing threshold");
      }
      if (t.multiplierPercent() < 0 || t.multiplierPercent() > MAX_MULTIPLIER_PERCENT) {
        throw Rejection.invalid(at + ".multiplierPercent", at + ".multiplierPercent must be between 0 and " + MAX_MULTIPLIER_PERCENT);
      }
      previous = t.threshold();
    }
  }

  public Optional<Tier> byCode(String code) {
    return tiers.stream().filter(t -> t.code().equals(code)).findFirst();
  }

  /** The earning multiplier of a member in tier {@code code}: x1 (100) without a tier. */
  public int multiplierPercent(String code) {
    return code == null ? 100 : byCode(code).map(Tier::multiplierPercent).orElse(100);
  }

  /** The tier after {@code code} (the lowest tier when the member has none), if any. */
  public Optional<Tier> next(String code) {
    if (code == null) {
      return tiers.isEmpty() ? Optional.empty() : Optional.of(tiers.get(0));
    }
    for (int i = 0; i < tiers.size() - 1; i++) {
      if (tiers.get(i).code().equals(code)) {
        return Optional.of(tiers.get(i + 1));
      }
    }
    return Optional.empty();
  }

  public String[] codes() {
    return tiers.stream().map(Tier::code).toArray(String[]::new);
  }

  public Long[] thresholds() {
    return tiers.stream().map(Tier::threshold).toArray(Long[]::new);
  }
}
