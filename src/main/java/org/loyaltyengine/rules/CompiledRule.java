package org.loyaltyengine.rules;

import java.time.DayOfWeek;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One rule turned into fields an evaluation can test without parsing or allocating: hash sets for the
 * filters, a weekday bit mask, minutes of the day, longs for the award and the caps.
 */
final class CompiledRule {
  static final int NONE = -1;

  final Rule rule;
  final String id;
  final Integer pendingDays;
  final boolean exclusive;
  final boolean stopAfter;

  // Conditions; null or NONE where absent.
  final Set<String> channels;
  final Set<String> stores;
  final Set<String> tiers;
  final String[] memberAttributeNames;
  final Set<String>[] memberAttributeValues;
  final String[] eventAttributeNames;
  final Set<String>[] eventAttributeValues;
  final long minBasketTotal;
  final Instant validFrom;
  final Instant validTo;
  /** Bit {@code d} set when {@code DayOfWeek.of(d + 1)} is allowed; 0 when every day is. */
  final int weekdayMask;
  final int fromMinute;
  final int toMinute;
  /** This rule's position in the {@link ItemIndex}, or NONE when it has no item filters. */
  final int itemSlot;

  // Award.
  final AwardSpec award;
  final boolean spendMatchingItems;
  final boolean applyTierMultiplier;

  // Limits; 0 where absent (a cap or budget is at least 1).
  final long capDay;
  final long capWeek;
  final long capMonth;
  final long capLifetime;
  final boolean capped;
  final long budget;

  CompiledRule(Rule rule, int itemSlot) {
    this.rule = rule;
    this.id = rule.id();
    this.pendingDays = rule.pendingDays();
    this.exclusive = rule.mode() == Rule.Mode.EXCLUSIVE;
    this.stopAfter = rule.stopAfter();
    Conditions c = rule.conditions();
    this.channels = setOrNull(c.channels());
    this.stores = setOrNull(c.stores());
    this.tiers = setOrNull(c.tiers());
    this.memberAttributeNames = c.memberAttributes().keySet().toArray(new String[0]);
    this.memberAttributeValues = valueSets(c.memberAttributes());
    this.eventAttributeNames = c.eventAttributes().keySet().toArray(new String[0]);
    this.eventAttributeValues = valueSets(c.eventAttributes());
    this.minBasketTotal = c.minBasketTotal() == null ? NONE : c.minBasketTotal();
    this.validFrom = c.validFrom();
    this.validTo = c.validTo();
    int mask = 0;
    for (DayOfWeek d : c.weekdays()) {
      mask |= 1 << (d.getValue() - 1);
    }
    this.weekdayMask = mask;
    this.fromMinute = c.hours() == null ? NONE : c.hours().from().getHour() * 60 + c.hours().from().getMinute();
    this.toMinute = c.hours() == null ? NONE : c.hours().to().getHour() * 60 + c.hours().to().getMinute();
    this.itemSlot = itemSlot;
    this.award = rule.award();
    this.spendMatchingItems = award instanceof AwardSpec.PerSpend p && p.spend() == AwardSpec.Spend.MATCHING_ITEMS;
    this.applyTierMultiplier = award.applyTierMultiplier();
    Caps caps = rule.caps();
    this.capDay = caps.day() == null ? 0 : caps.day();
    this.capWeek = caps.week() == null ? 0 : caps.week();
    this.capMonth = caps.month() == null ? 0 : caps.month();
    this.capLifetime = caps.lifetime() == null ? 0 : caps.lifetime();
    this.capped = !caps.isEmpty();
    this.budget = rule.budget() == null ? 0 : rule.budget();
  }

  /**
   * The award before tier multiplier, caps and budget. A multiplier's base is at most
   * {@link RuleLimits#RULES_MAX} × {@link RuleLimits#AWARD_MAX} = 2×10^14, times at most 900: no overflow.
   */
  long basePoints(long spend, long awardedSoFar) {
    if (award instanceof AwardSpec.PerSpend p) {
      return p.pointsFor(spend);
    }
    if (award instanceof AwardSpec.Fixed f) {
      return f.points();
    }
    return Math.multiplyExact(awardedSoFar, ((AwardSpec.Multiplier) award).percent() - 100) / 100;
  }

  boolean needsLocalTime() {
    return weekdayMask != 0 || fromMinute != NONE;
  }

  /** The conditions shared by purchase and event rules. */
  boolean matchesMemberAndTime(MemberFacts member, Instant at, int localMinute, int localWeekday) {
    if (validFrom != null && at.isBefore(validFrom)) {
      return false;
    }
    if (validTo != null && !at.isBefore(validTo)) {
      return false;
    }
    if (weekdayMask != 0 && (weekdayMask & (1 << localWeekday)) == 0) {
      return false;
    }
    if (fromMinute != NONE && !withinHours(localMinute)) {
      return false;
    }
    if (tiers != null && (member.tierCode() == null || !tiers.contains(member.tierCode()))) {
      return false;
    }
    return allAttributesMatch(memberAttributeNames, memberAttributeValues, member.attributes());
  }

  /** The purchase conditions other than the item filters. */
  boolean matchesPurchase(Purchase p) {
    if (minBasketTotal != NONE && p.total() < minBasketTotal) {
      return false;
    }
    if (channels != null && (p.channel() == null || !channels.contains(p.channel()))) {
      return false;
    }
    return stores == null || (p.storeId() != null && stores.contains(p.storeId()));
  }

  boolean matchesEventAttributes(CustomEvent e) {
    return allAttributesMatch(eventAttributeNames, eventAttributeValues, e.attributes());
  }

  private boolean withinHours(int minute) {
    return fromMinute < toMinute
        ? minute >= fromMinute && minute < toMinute
        : minute >= fromMinute || minute < toMinute; // overnight
  }

  private static boolean allAttributesMatch(String[] names, Set<String>[] accepted, Map<String, String> actual) {
    for (int i = 0; i < names.length; i++) {
      String value = actual.get(names[i]);
      if (value == null || !accepted[i].contains(value)) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> setOrNull(List<String> values) {
    return values.isEmpty() ? null : new HashSet<>(values);
  }

  @SuppressWarnings("unchecked")
  private static Set<String>[] valueSets(Map<String, List<String>> attributes) {
    Set<String>[] out = new Set[attributes.size()];
    int i = 0;
    for (List<String> values : attributes.values()) {
      out[i++] = new HashSet<>(values);
    }
    return out;
  }
}
