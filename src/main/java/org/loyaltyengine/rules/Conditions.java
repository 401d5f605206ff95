package org.loyaltyengine.rules;

import java.time.DayOfWeek;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * When a rule applies. Every condition present must hold; an empty list, empty map or null means "no
 * condition". Within one list any entry may match. Matching is exact and case-sensitive.
 *
 * @param skus, categories, labels item filters: a line matches when it passes every item filter present
 *              (its sku is listed, its category is listed, one of its labels is listed)
 * @param minBasketTotal the purchase total must be at least this, in minor units; null = none
 * @param memberAttributes attribute name → accepted values; the member must have every named attribute
 *                         with one of its accepted values
 * @param validFrom inclusive; null = since ever
 * @param validTo   exclusive; null = forever
 * @param weekdays  local days of the week in the tenant's zone; empty = every day
 * @param hours     local times of day in the tenant's zone; null = all day
 * @param eventType for event rules: the event type that triggers the rule
 * @param eventAttributes for event rules: attribute name → accepted values, like memberAttributes
 */
public record Conditions(List<String> skus, List<String> categories, List<String> labels, List<String> channels,
                         List<String> stores, Long minBasketTotal, List<String> tiers,
                         Map<String, List<String>> memberAttributes, Instant validFrom, Instant validTo,
                         Set<DayOfWeek> weekdays, HourWindow hours, String eventType,
                         Map<String, List<String>> eventAttributes) {
  public static final Conditions NONE = new Conditions(List.of(), List.of(), List.of(), List.of(), List.of(),
      null, List.of(), Map.of(), null, null, Set.of(), null, null, Map.of());

  public Conditions {
    skus = List.copyOf(skus);
    categories = List.copyOf(categories);
    labels = List.copyOf(labels);
    channels = List.copyOf(channels);
    stores = List.copyOf(stores);
    tiers = List.copyOf(tiers);
    memberAttributes = copy(memberAttributes);
    eventAttributes = copy(eventAttributes);
    weekdays = weekdays.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(weekdays));
    if (validFrom != null && validTo != null && !validFrom.isBefore(validTo)) {
      throw new IllegalArgumentException("validFrom must be before validTo");
    }
  }

  /** Whether any item filter is present: then at least one line must match for the rule to apply. */
  public boolean hasItemFilters() {
    return !skus.isEmpty() || !categories.isEmpty() || !labels.isEmpty();
  }

  private static Map<String, List<String>> copy(Map<String, List<String>> map) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(k, List.copyOf(v)));
    return Collections.unmodifiableMap(out); // keeps the upload's order, for a stable JSON rendering
  }
}
