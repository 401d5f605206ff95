package org.loyaltyengine.rules;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.platform.Rejection;

import java.math.BigInteger;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rule set's wire shape ({@code PUT /v1/earning-rules}), documented in docs/earning-rules.md. Parsing is
 * strict: unknown fields, wrong types, out-of-range numbers and contradictory settings are all rejected with
 * code {@value #CODE}, a message naming the rule and the JSON path of the offending field.
 */
public final class RuleSetJson {
  public static final String CODE = "invalid_rule_set";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1," + RuleLimits.ID_LENGTH_MAX + "}");
  private static final Pattern TIME = Pattern.compile("([01][0-9]|2[0-3]):[0-5][0-9]");
  private static final Map<String, DayOfWeek> WEEKDAYS = Map.of("MON", DayOfWeek.MONDAY, "TUE", DayOfWeek.TUESDAY,
      "WED", DayOfWeek.WEDNESDAY, "THU", DayOfWeek.THURSDAY, "FRI", DayOfWeek.FRIDAY, "SAT", DayOfWeek.SATURDAY,
      "SUN", DayOfWeek.SUNDAY);

  private static final Set<String> SET_FIELDS = Set.of("rules");
  private static final Set<String> RULE_FIELDS = Set.of("id", "name", "trigger", "priority", "mode", "stopAfter",
      "conditions", "award", "caps", "budget", "pendingDays");
  private static final Set<String> CONDITION_FIELDS = Set.of("skus", "categories", "labels", "channels", "stores",
      "minBasketTotal", "tiers", "memberAttributes", "validFrom", "validTo", "weekdays", "hours", "eventType",
      "eventAttributes");
  private static final List<String> PURCHASE_ONLY = List.of("skus", "categories", "labels", "channels", "stores",
      "minBasketTotal");
  private static final List<String> EVENT_ONLY = List.of("eventType", "eventAttributes");
  private static final Set<String> PER_SPEND_FIELDS = Set.of("type", "points", "perAmount", "rounding", "spend",
      "applyTierMultiplier");
  private static final Set<String> FIXED_FIELDS = Set.of("type", "points", "applyTierMultiplier");
  private static final Set<String> MULTIPLIER_FIELDS = Set.of("type", "percent", "applyTierMultiplier");
  private static final Set<String> CAP_FIELDS = Set.of("day", "week", "month", "lifetime");
  private static final Set<String> HOUR_FIELDS = Set.of("from", "to");

  private RuleSetJson() {}

  // ---------------------------------------------------------------------------------------------- parsing

  public static RuleSet parse(JsonObject body) {
    if (body == null) {
      throw new Rejection(Rejection.Kind.INVALID, CODE, "the rule set must be a JSON object", null);
    }
    Node root = new Node(body, "", "", new int[1]);
    root.allowOnly(SET_FIELDS);
    JsonArray array = root.array("rules");
    if (array == null) {
      throw root.reject("rules", "rules is required");
    }
    if (array.size() > RuleLimits.RULES_MAX) {
      throw root.reject("rules", "rules may hold at most " + RuleLimits.RULES_MAX + " rules");
    }
    Map<String, Integer> seen = new HashMap<>();
    List<Rule> rules = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      Rule rule = rule(array.getValue(i), "rules[" + i + "]", root.entries);
      Integer earlier = seen.putIfAbsent(rule.id(), i);
      if (earlier != null) {
        throw new Rejection(Rejection.Kind.INVALID, CODE, "rule \"" + rule.id() + "\": rules[" + i
            + "].id repeats the id of rules[" + earlier + "]", "rules[" + i + "].id");
      }
      rules.add(rule);
    }
    return new RuleSet(rules);
  }

  private static Rule rule(Object value, String path, int[] entries) {
    if (!(value instanceof JsonObject json)) {
      throw new Rejection(Rejection.Kind.INVALID, CODE, path + " must be an object", path);
    }
    Node anonymous = new Node(json, path, "", entries);
    String id = anonymous.string("id", 1, RuleLimits.ID_LENGTH_MAX);
    if (id == null) {
      throw anonymous.reject("id", "is required");
    }
    if (!ID.matcher(id).matches()) {
      throw anonymous.reject("id", "must be 1-" + RuleLimits.ID_LENGTH_MAX + " characters of A-Z a-z 0-9 . _ -");
    }
    Node node = new Node(json, path, "rule \"" + id + "\": ", entries);
    node.allowOnly(RULE_FIELDS);

    String name = node.string("name", 1, RuleLimits.NAME_LENGTH_MAX);
    String triggerName = node.string("trigger", 1, 64);
    if (triggerName == null) {
      throw node.reject("trigger", "is required: \"purchase\" or \"event\"");
    }
    Rule.Trigger trigger = Rule.Trigger.fromWire(triggerName);
    if (trigger == null) {
      throw node.reject("trigger", "must be \"purchase\" or \"event\"");
    }
    Long priority = node.integer("priority", -RuleLimits.PRIORITY_MAX, RuleLimits.PRIORITY_MAX);
    String modeName = node.string("mode", 1, 64);
    Rule.Mode mode = modeName == null ? Rule.Mode.STACKABLE : Rule.Mode.fromWire(modeName);
    if (mode == null) {
      throw node.reject("mode", "must be \"stackable\" or \"exclusive\"");
    }
    boolean stopAfter = node.bool("stopAfter", false);

    Node conditionsNode = node.object("conditions");
    Conditions conditions = conditionsNode == null ? Conditions.NONE : conditions(conditionsNode, trigger);
    if (trigger == Rule.Trigger.EVENT && conditions.eventType() == null) {
      throw node.reject("conditions.eventType", "is required for event rules");
    }

    Node awardNode = node.object("award");
    if (awardNode == null) {
      throw node.reject("award", "is required");
    }
    AwardSpec award = award(awardNode, trigger, conditions);
    if (award instanceof AwardSpec.Multiplier && mode == Rule.Mode.EXCLUSIVE) {
      throw node.reject("mode", "cannot be \"exclusive\" for a multiplier: it multiplies earlier awards, and an "
          + "exclusive rule only applies when there are none");
    }

    Node capsNode = node.object("caps");
    Caps caps = Caps.NONE;
    if (capsNode != null) {
      capsNode.allowOnly(CAP_FIELDS);
      caps = new Caps(capsNode.integer("day", 1, RuleLimits.CAP_MAX), capsNode.integer("week", 1, RuleLimits.CAP_MAX),
          capsNode.integer("month", 1, RuleLimits.CAP_MAX), capsNode.integer("lifetime", 1, RuleLimits.CAP_MAX));
    }
    Long budget = node.integer("budget", 1, RuleLimits.BUDGET_MAX);
    Long pendingDays = node.integer("pendingDays", 0, RuleLimits.PENDING_DAYS_MAX);

    return new Rule(id, name, trigger, priority == null ? 0 : priority.intValue(), mode, stopAfter, conditions,
        award, caps, budget, pendingDays == null ? null : pendingDays.intValue());
  }

  private static Conditions conditions(Node c, Rule.Trigger trigger) {
    c.allowOnly(CONDITION_FIELDS);
    for (String field : trigger == Rule.Trigger.EVENT ? PURCHASE_ONLY : EVENT_ONLY) {
      if (c.has(field)) {
        throw c.reject(field, "only applies to " + (trigger == Rule.Trigger.EVENT ? "purchase" : "event") + " rules");
      }
    }
    Instant validFrom = c.instant("validFrom");
    Instant validTo = c.instant("validTo");
    if (validFrom != null && validTo != null && !validFrom.isBefore(validTo)) {
      throw c.reject("validTo", "must be after validFrom");
    }
    Set<DayOfWeek> weekdays = EnumSet.noneOf(DayOfWeek.class);
    List<String> days = c.stringList("weekdays");
    for (int i = 0; i < days.size(); i++) {
      DayOfWeek day = WEEKDAYS.get(days.get(i));
      if (day == null) {
        throw c.reject("weekdays[" + i + "]", "must be one of MON TUE WED THU FRI SAT SUN");
      }
      weekdays.add(day);
    }
    HourWindow hours = null;
    Node h = c.object("hours");
    if (h != null) {
      h.allowOnly(HOUR_FIELDS);
      LocalTime from = h.time("from");
      LocalTime to = h.time("to");
      if (from.equals(to)) {
        throw h.reject("to", "must differ from hours.from (omit hours for all day)");
      }
      hours = new HourWindow(from, to);
    }
    String eventType = c.string("eventType", 1, RuleLimits.VALUE_LENGTH_MAX);
    return new Conditions(c.stringList("skus"), c.stringList("categories"), c.stringList("labels"),
        c.stringList("channels"), c.stringList("stores"), c.integer("minBasketTotal", 0, Purchase.MAX_AMOUNT),
        c.stringList("tiers"), c.attributes("memberAttributes"), validFrom, validTo, weekdays, hours, eventType,
        c.attributes("eventAttributes"));
  }

  private static AwardSpec award(Node a, Rule.Trigger trigger, Conditions conditions) {
    String type = a.string("type", 1, 64);
    if (type == null) {
      throw a.reject("type", "is required: \"per_spend\", \"fixed\" or \"multiplier\"");
    }
    switch (type) {
      case "per_spend" -> {
        if (trigger == Rule.Trigger.EVENT) {
          throw a.reject("type", "cannot be \"per_spend\" for an event rule: events have no spend");
        }
        a.allowOnly(PER_SPEND_FIELDS);
        Long points = a.integer("points", 1, RuleLimits.POINTS_MAX);
        Long perAmount = a.integer("perAmount", 1, RuleLimits.PER_AMOUNT_MAX);
        if (points == null) {
          throw a.reject("points", "is required");
        }
        if (perAmount == null) {
          throw a.reject("perAmount", "is required");
        }
        String roundingName = a.string("rounding", 1, 64);
        AwardSpec.Rounding rounding = roundingName == null ? AwardSpec.Rounding.DOWN
            : AwardSpec.Rounding.fromWire(roundingName);
        if (rounding == null) {
          throw a.reject("rounding", "must be \"down\", \"up\" or \"nearest\"");
        }
        String spendName = a.string("spend", 1, 64);
        AwardSpec.Spend spend = spendName == null
            ? (conditions.hasItemFilters() ? AwardSpec.Spend.MATCHING_ITEMS : AwardSpec.Spend.BASKET)
            : AwardSpec.Spend.fromWire(spendName);
        if (spend == null) {
          throw a.reject("spend", "must be \"basket\" or \"matching_items\"");
        }
        return new AwardSpec.PerSpend(points, perAmount, rounding, spend, a.bool("applyTierMultiplier", false));
      }
      case "fixed" -> {
        a.allowOnly(FIXED_FIELDS);
        Long points = a.integer("points", 1, RuleLimits.POINTS_MAX);
        if (points == null) {
          throw a.reject("points", "is required");
        }
        return new AwardSpec.Fixed(points, a.bool("applyTierMultiplier", false));
      }
      case "multiplier" -> {
        a.allowOnly(MULTIPLIER_FIELDS);
        Long percent = a.integer("percent", 101, RuleLimits.MULTIPLIER_PERCENT_MAX);
        if (percent == null) {
          throw a.reject("percent", "is required");
        }
        return new AwardSpec.Multiplier(percent.intValue(), a.bool("applyTierMultiplier", false));
      }
      default -> throw a.reject("type", "must be \"per_spend\", \"fixed\" or \"multiplier\"");
    }
  }

  /** One JSON object at a path, with typed accessors that reject with the full path and the rule's id. */
  private static final class Node {
    final JsonObject json;
    final String path;
    final String prefix;
    /** List entries read so far in the whole set, against {@link RuleLimits#SET_ENTRIES_MAX}. */
    final int[] entries;

    Node(JsonObject json, String path, String prefix, int[] entries) {
      this.json = json;
      this.path = path;
      this.prefix = prefix;
      this.entries = entries;
    }

    String at(String field) {
      return path.isEmpty() ? field : path + "." + field;
    }

    Rejection reject(String field, String problem) {
      String at = at(field);
      return new Rejection(Rejection.Kind.INVALID, CODE, prefix + at + " " + problem, at);
    }

    void allowOnly(Set<String> allowed) {
      for (String field : json.fieldNames()) {
        if (!allowed.contains(field)) {
          throw reject(field, "is not a known field");
        }
      }
    }

    /** Present and not null: explicit nulls mean "absent" everywhere. */
    boolean has(String field) {
      return json.getValue(field) != null;
    }

    String string(String field, int minLength, int maxLength) {
      Object v = json.getValue(field);
      if (v == null) {
        return null;
      }
      if (!(v instanceof String s)) {
        throw reject(field, "must be a string");
      }
      int length = s.codePointCount(0, s.length());
      if (length < minLength || length > maxLength) {
        throw reject(field, "must be " + minLength + "-" + maxLength + " characters");
      }
      return s;
    }

    /** Integers only: 1.5, "10" and 1e400 are rejected. */
    Long integer(String field, long min, long max) {
      Object v = json.getValue(field);
      if (v == null) {
        return null;
      }
      if (v instanceof BigInteger) {
        throw reject(field, "must be between " + min + " and " + max);
      }
      if (!(v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte)) {
        throw reject(field, "must be an integer");
      }
      long n = ((Number) v).longValue();
      if (n < min || n > max) {
        throw reject(field, "must be between " + min + " and " + max);
      }
      return n;
    }

    boolean bool(String field, boolean otherwise) {
      Object v = json.getValue(field);
      if (v == null) {
        return otherwise;
      }
      if (!(v instanceof Boolean b)) {
        throw reject(field, "must be true or false");
      }
      return b;
    }

    Node object(String field) {
      Object v = json.getValue(field);
      if (v == null) {
        return null;
      }
      if (!(v instanceof JsonObject o)) {
        throw reject(field, "must be an object");
      }
      return new Node(o, at(field), prefix, entries);
    }

    JsonArray array(String field) {
      Object v = json.getValue(field);
      if (v == null) {
        return null;
      }
      if (!(v instanceof JsonArray a)) {
        throw reject(field, "must be an array");
      }
      return a;
    }

    /** Absent gives an empty list; present must hold 1..LIST_ENTRIES_MAX distinct strings. */
    List<String> stringList(String field) {
      JsonArray array = array(field);
      if (array == null) {
        return List.of();
      }
      return strings(array, field);
    }

    private List<String> strings(JsonArray array, String field) {
      if (array.isEmpty() || array.size() > RuleLimits.LIST_ENTRIES_MAX) {
        throw reject(field, "must hold 1-" + RuleLimits.LIST_ENTRIES_MAX + " entries (omit it for no condition)");
      }
      entries[0] += array.size();
      if (entries[0] > RuleLimits.SET_ENTRIES_MAX) {
        throw reject(field, "takes the rule set over " + RuleLimits.SET_ENTRIES_MAX + " list entries in total");
      }
      List<String> out = new ArrayList<>(array.size());
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < array.size(); i++) {
        Object item = array.getValue(i);
        String entry = field + "[" + i + "]";
        if (!(item instanceof String s) || s.isEmpty() || s.length() > RuleLimits.VALUE_LENGTH_MAX) {
          throw reject(entry, "must be a string of 1-" + RuleLimits.VALUE_LENGTH_MAX + " characters");
        }
        if (!seen.add(s)) {
          throw reject(entry, "repeats \"" + s + "\"");
        }
        out.add(s);
      }
      return out;
    }

    /** {"name": ["accepted", "values"], ...}; absent gives an empty map. */
    Map<String, List<String>> attributes(String field) {
      Node map = object(field);
      if (map == null) {
        return Map.of();
      }
      if (map.json.size() > RuleLimits.ATTRIBUTE_KEYS_MAX) {
        throw reject(field, "may name at most " + RuleLimits.ATTRIBUTE_KEYS_MAX + " attributes");
      }
      Map<String, List<String>> out = new LinkedHashMap<>();
      for (String name : map.json.fieldNames()) {
        if (name.isEmpty() || name.length() > RuleLimits.VALUE_LENGTH_MAX) {
          throw map.reject(name, "is not an attribute name of 1-" + RuleLimits.VALUE_LENGTH_MAX + " characters");
        }
        Object values = map.json.getValue(name);
        if (!(values instanceof JsonArray array)) {
          throw map.reject(name, "must be an array of accepted values");
        }
        out.put(name, map.strings(array, name));
      }
      return out;
    }

    Instant instant(String field) {
      String s = string(field, 1, 64);
      if (s == null) {
        return null;
      }
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e) {
        throw reject(field, "must be an instant such as 2026-01-01T00:00:00Z");
      }
    }

    LocalTime time(String field) {
      String s = string(field, 1, 16);
      if (s == null) {
        throw reject(field, "is required");
      }
      if (!TIME.matcher(s).matches()) {
        throw reject(field, "must be a local time as HH:mm, 00:00-23:59");
      }
      return LocalTime.parse(s);
    }
  }

  // -------------------------------------------------------------------------------------------- rendering

  /** The rule set as JSON, with every default made explicit; {@code parse(toJson(set))} equals {@code set}. */
  public static JsonObject toJson(RuleSet set) {
    JsonArray rules = new JsonArray();
    for (Rule rule : set.rules()) {
      rules.add(toJson(rule));
    }
    return new JsonObject().put("rules", rules);
  }

  private static JsonObject toJson(Rule rule) {
    JsonObject json = new JsonObject().put("id", rule.id());
    if (rule.name() != null) {
      json.put("name", rule.name());
    }
    json.put("trigger", rule.trigger().wireName())
        .put("priority", rule.priority())
        .put("mode", rule.mode().wireName())
        .put("stopAfter", rule.stopAfter())
        .put("conditions", toJson(rule.conditions()))
        .put("award", toJson(rule.award()));
    Caps caps = rule.caps();
    if (!caps.isEmpty()) {
      JsonObject c = new JsonObject();
      putIfPresent(c, "day", caps.day());
      putIfPresent(c, "week", caps.week());
      putIfPresent(c, "month", caps.month());
      putIfPresent(c, "lifetime", caps.lifetime());
      json.put("caps", c);
    }
    putIfPresent(json, "budget", rule.budget());
    putIfPresent(json, "pendingDays", rule.pendingDays());
    return json;
  }

  private static JsonObject toJson(Conditions c) {
    JsonObject json = new JsonObject();
    putList(json, "skus", c.skus());
    putList(json, "categories", c.categories());
    putList(json, "labels", c.labels());
    putList(json, "channels", c.channels());
    putList(json, "stores", c.stores());
    putIfPresent(json, "minBasketTotal", c.minBasketTotal());
    putList(json, "tiers", c.tiers());
    putAttributes(json, "memberAttributes", c.memberAttributes());
    if (c.validFrom() != null) {
      json.put("validFrom", c.validFrom().toString());
    }
    if (c.validTo() != null) {
      json.put("validTo", c.validTo().toString());
    }
    if (!c.weekdays().isEmpty()) {
      JsonArray days = new JsonArray();
      for (DayOfWeek day : DayOfWeek.values()) {
        if (c.weekdays().contains(day)) {
          days.add(day.name().substring(0, 3));
        }
      }
      json.put("weekdays", days);
    }
    if (c.hours() != null) {
      json.put("hours", new JsonObject().put("from", c.hours().from().toString()).put("to", c.hours().to().toString()));
    }
    if (c.eventType() != null) {
      json.put("eventType", c.eventType());
    }
    putAttributes(json, "eventAttributes", c.eventAttributes());
    return json;
  }

  private static JsonObject toJson(AwardSpec award) {
    JsonObject json = new JsonObject();
    if (award instanceof AwardSpec.PerSpend p) {
      json.put("type", "per_spend").put("points", p.points()).put("perAmount", p.perAmount())
          .put("rounding", p.rounding().wireName()).put("spend", p.spend().wireName());
    } else if (award instanceof AwardSpec.Fixed f) {
      json.put("type", "fixed").put("points", f.points());
    } else if (award instanceof AwardSpec.Multiplier m) {
      json.put("type", "multiplier").put("percent", m.percent());
    }
    return json.put("applyTierMultiplier", award.applyTierMultiplier());
  }

  private static void putIfPresent(JsonObject json, String field, Number value) {
    if (value != null) {
      json.put(field, value);
    }
  }

  private static void putList(JsonObject json, String field, List<String> values) {
    if (!values.isEmpty()) {
      json.put(field, new JsonArray(new ArrayList<>(values)));
    }
  }

  private static void putAttributes(JsonObject json, String field, Map<String, List<String>> attributes) {
    if (!attributes.isEmpty()) {
      JsonObject map = new JsonObject();
      attributes.forEach((name, values) -> map.put(name, new JsonArray(new ArrayList<>(values))));
      json.put(field, map);
    }
  }
}
