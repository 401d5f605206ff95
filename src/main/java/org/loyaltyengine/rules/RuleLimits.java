package org.loyaltyengine.rules;

/**
 * Upper bounds on everything a tenant can upload, so that parsing, compiling and evaluating a rule set take
 * bounded time and memory whatever the input. Documented in docs/earning-rules.md.
 */
public final class RuleLimits {
  /** Rules in one set. */
  public static final int RULES_MAX = 200;
  /** Entries in any one list (skus, categories, labels, channels, stores, tiers, attribute values). */
  public static final int LIST_ENTRIES_MAX = 1_000;
  /** List entries over the whole set, so 200 rules cannot each carry 1,000-entry lists. */
  public static final int SET_ENTRIES_MAX = 20_000;
  /** Keys in {@code memberAttributes} and in {@code eventAttributes}. */
  public static final int ATTRIBUTE_KEYS_MAX = 20;
  /** Length of a rule id: 1-64 characters of [A-Za-z0-9._-]. */
  public static final int ID_LENGTH_MAX = 64;
  /** Length of a rule's name. */
  public static final int NAME_LENGTH_MAX = 200;
  /** Length of any list entry, attribute name or event type. */
  public static final int VALUE_LENGTH_MAX = 128;
  /** Priorities range over -PRIORITY_MAX..PRIORITY_MAX. */
  public static final int PRIORITY_MAX = 1_000_000;
  /** Points of a fixed award, or per {@code perAmount} of spend. */
  public static final long POINTS_MAX = 1_000_000;
  /** The spend, in minor units, that earns {@code points}. */
  public static final long PER_AMOUNT_MAX = 1_000_000_000;
  /** A multiplier rule's percent ranges over 101..MULTIPLIER_PERCENT_MAX (x10). */
  public static final int MULTIPLIER_PERCENT_MAX = 1_000;
  /** Per-member caps per window. */
  public static final long CAP_MAX = 1_000_000_000;
  /** A rule's program-wide budget. */
  public static final long BUDGET_MAX = 1_000_000_000_000L;
  /** Days earned points stay pending. */
  public static final int PENDING_DAYS_MAX = 365;
  /**
   * What one rule can award in one evaluation, before caps. Multipliers compound, so without this ceiling a
   * chain of them could overflow; no real award comes near it.
   */
  public static final long AWARD_MAX = 1_000_000_000_000L;

  private RuleLimits() {}
}
