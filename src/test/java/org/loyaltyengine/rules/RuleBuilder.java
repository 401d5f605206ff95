package org.loyaltyengine.rules;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A small DSL for rules in tests: {@code purchaseRule("base").perSpend(1, 100).build()}. */
final class RuleBuilder {
  private final String id;
  private final Rule.Trigger trigger;
  private int priority;
  private Rule.Mode mode = Rule.Mode.STACKABLE;
  private boolean stopAfter;
  private AwardSpec award = new AwardSpec.Fixed(10, false);
  private Caps caps = Caps.NONE;
  private Long budget;
  private Integer pendingDays;
  private List<String> skus = List.of();
  private List<String> categories = List.of();
  private List<String> labels = List.of();
  private List<String> channels = List.of();
  private List<String> stores = List.of();
  private Long minBasketTotal;
  private List<String> tiers = List.of();
  private final Map<String, List<String>> memberAttributes = new LinkedHashMap<>();
  private Instant validFrom;
  private Instant validTo;
  private Set<DayOfWeek> weekdays = Set.of();
  private HourWindow hours;
  private String eventType;
  private final Map<String, List<String>> eventAttributes = new LinkedHashMap<>();

  private RuleBuilder(String id, Rule.Trigger trigger) {
    this.id = id;
    this.trigger = trigger;
  }

  static RuleBuilder purchaseRule(String id) {
    return new RuleBuilder(id, Rule.Trigger.PURCHASE);
  }

  static RuleBuilder eventRule(String id, String eventType) {
    RuleBuilder b = new RuleBuilder(id, Rule.Trigger.EVENT);
    b.eventType = eventType;
    return b;
  }

  RuleBuilder priority(int priority) {
    this.priority = priority;
    return this;
  }

  RuleBuilder exclusive() {
    this.mode = Rule.Mode.EXCLUSIVE;
    return this;
  }

  RuleBuilder stopAfter() {
    this.stopAfter = true;
    return this;
  }

  RuleBuilder perSpend(long points, long perAmount) {
    return perSpend(points, perAmount, AwardSpec.Rounding.DOWN, AwardSpec.Spend.BASKET);
  }

  RuleBuilder perSpend(long points, long perAmount, AwardSpec.Rounding rounding, AwardSpec.Spend spend) {
    this.award = new AwardSpec.PerSpend(points, perAmount, rounding, spend, false);
    return this;
  }

  RuleBuilder fixed(long points) {
    this.award = new AwardSpec.Fixed(points, false);
    return this;
  }

  RuleBuilder multiplier(int percent) {
    this.award = new AwardSpec.Multiplier(percent, false);
    return this;
  }

  RuleBuilder tierMultiplied() {
    if (award instanceof AwardSpec.PerSpend p) {
      award = new AwardSpec.PerSpend(p.points(), p.perAmount(), p.rounding(), p.spend(), true);
    } else if (award instanceof AwardSpec.Fixed f) {
      award = new AwardSpec.Fixed(f.points(), true);
    } else if (award instanceof AwardSpec.Multiplier m) {
      award = new AwardSpec.Multiplier(m.percent(), true);
    }
    return this;
  }

  RuleBuilder skus(String... values) {
    skus = List.of(values);
    return this;
  }

  RuleBuilder categories(String... values) {
    categories = List.of(values);
    return this;
  }

  RuleBuilder labels(String... values) {
    labels = List.of(values);
    return this;
  }

  RuleBuilder channels(String... values) {
    channels = List.of(values);
    return this;
  }

  RuleBuilder stores(String... values) {
    stores = List.of(values);
    return this;
  }

  RuleBuilder minBasketTotal(long total) {
    minBasketTotal = total;
    return this;
  }

  RuleBuilder tiers(String... values) {
    tiers = List.of(values);
    return this;
  }

  RuleBuilder memberAttribute(String name, String... accepted) {
    memberAttributes.put(name, List.of(accepted));
    return this;
  }

  RuleBuilder eventAttribute(String name, String... accepted) {
    eventAttributes.put(name, List.of(accepted));
    return this;
  }

  RuleBuilder validFrom(String instant) {
    validFrom = Instant.parse(instant);
    return this;
  }

  RuleBuilder validTo(String instant) {
    validTo = Instant.parse(instant);
    return this;
  }

  RuleBuilder weekdays(DayOfWeek first, DayOfWeek... rest) {
    weekdays = EnumSet.of(first, rest);
    return this;
  }

  RuleBuilder hours(String from, String to) {
    hours = new HourWindow(LocalTime.parse(from), LocalTime.parse(to));
    return this;
  }

  RuleBuilder caps(Long day, Long week, Long month, Long lifetime) {
    caps = new Caps(day, week, month, lifetime);
    return this;
  }

  RuleBuilder budget(long points) {
    budget = points;
    return this;
  }

  RuleBuilder pendingDays(int days) {
    pendingDays = days;
    return this;
  }

  Rule build() {
    Conditions conditions = new Conditions(skus, categories, labels, channels, stores, minBasketTotal, tiers,
        memberAttributes, validFrom, validTo, weekdays, hours, eventType, eventAttributes);
    return new Rule(id, null, trigger, priority, mode, stopAfter, conditions, award, caps, budget, pendingDays);
  }

  static CompiledRuleSet compile(RuleBuilder... rules) {
    List<Rule> built = new ArrayList<>();
    for (RuleBuilder rule : rules) {
      built.add(rule.build());
    }
    return CompiledRuleSet.compile(new RuleSet(built));
  }
}
