package org.loyaltyengine.fraud;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.platform.Rejection;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The configuration body of {@code PUT /v1/fraud/checks}, validated into a {@link FraudPolicy}:
 * {@code {"onFailure": "allow"|"hold", "checks": [{"check", "action", "max"?, "windowMinutes"?,
 * "distanceKm"?, "minPoints"?}]}}. Each kind at most once; each kind takes exactly the parameters it uses.
 */
public final class FraudPolicyJson {
  private static final Set<String> FIELDS = Set.of("onFailure", "checks");
  private static final long MAX_LIMIT = 1_000_000_000_000L;

  private FraudPolicyJson() {}

  public static FraudPolicy parse(JsonObject body) {
    for (String f : body.fieldNames()) {
      if (!FIELDS.contains(f)) {
        throw new Rejection(Rejection.Kind.INVALID, "unknown_field", "unknown field \"" + f + "\"", f);
      }
    }
    FraudPolicy.OnFailure onFailure = switch (string(body, "onFailure", "onFailure", "allow")) {
      case "allow" -> FraudPolicy.OnFailure.ALLOW;
      case "hold" -> FraudPolicy.OnFailure.HOLD;
      default -> throw Rejection.invalid("onFailure", "onFailure must be \"allow\" or \"hold\"");
    };
    Object raw = body.getValue("checks");
    if (!(raw instanceof JsonArray array)) {
      throw raw == null ? Rejection.missing("checks") : Rejection.invalid("checks", "checks must be an array");
    }
    if (array.size() > CheckKind.values().length) {
      throw Rejection.invalid("checks", "at most " + CheckKind.values().length + " checks, one of each kind");
    }
    List<CheckConfig> checks = new ArrayList<>();
    EnumSet<CheckKind> seen = EnumSet.noneOf(CheckKind.class);
    for (int i = 0; i < array.size(); i++) {
      String at = "checks[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject c)) {
        throw Rejection.invalid(at, at + " must be an object");
      }
      CheckConfig check = check(c, at);
      if (!seen.add(check.kind())) {
        throw Rejection.invalid(at + ".check", "check \"" + check.kind().wire + "\" is configured twice");
      }
      checks.add(check);
    }
    return new FraudPolicy(onFailure, checks);
  }

  private static CheckConfig check(JsonObject c, String at) {
    String name = string(c, "check", at + ".check", null);
    CheckKind kind = CheckKind.of(name).orElseThrow(() -> Rejection.invalid(at + ".check",
        "unknown check \"" + name + "\"; known: " + String.join(", ",
            java.util.Arrays.stream(CheckKind.values()).map(k -> k.wire).toList())));
    FraudAction action = switch (string(c, "action", at + ".action", null)) {
      case "allow" -> FraudAction.ALLOW;
      case "hold" -> FraudAction.HOLD;
      case "reject" -> FraudAction.REJECT;
      default -> throw Rejection.invalid(at + ".action", "action must be \"allow\", \"hold\" or \"reject\"");
    };
    Set<String> params = switch (kind) {
      case EARNINGS_PER_MEMBER, REDEMPTIONS_PER_MEMBER, MEMBERS_PER_DEVICE -> Set.of("max", "windowMinutes");
      case POINTS_PER_TRANSACTION, POINTS_PER_MEMBER_PER_DAY -> Set.of("max");
      case DISTANT_STORES -> Set.of("distanceKm", "windowMinutes");
      case REDEMPTION_AFTER_ADJUSTMENT -> Set.of("minPoints", "windowMinutes");
    };
    for (String f : c.fieldNames()) {
      if (!f.equals("check") && !f.equals("action") && !params.contains(f)) {
        throw new Rejection(Rejection.Kind.INVALID, "unknown_field",
            "\"" + kind.wire + "\" takes " + String.join(", ", params.stream().sorted().toList()) + ", not \"" + f + "\"",
            at + "." + f);
      }
    }
    long max = params.contains("max") ? number(c, "max", at, 0, MAX_LIMIT) : 0;
    int window = params.contains("windowMinutes")
        ? (int) number(c, "windowMinutes", at, 1, CheckConfig.MAX_WINDOW_MINUTES) : 0;
    long distance = params.contains("distanceKm") ? number(c, "distanceKm", at, 1, 20_000) : 0;
    long minPoints = params.contains("minPoints") ? number(c, "minPoints", at, 1, MAX_LIMIT) : 0;
    return new CheckConfig(kind, action, max, window, distance, minPoints);
  }

  private static String string(JsonObject o, String key, String field, String fallback) {
    Object v = o.getValue(key);
    if (v == null) {
      if (fallback != null) {
        return fallback;
      }
      throw Rejection.missing(field);
    }
    if (!(v instanceof String s)) {
      throw Rejection.invalid(field, field + " must be a string");
    }
    return s;
  }

  private static long number(JsonObject o, String key, String at, long min, long max) {
    String field = at + "." + key;
    Object v = o.getValue(key);
    if (v == null) {
      throw Rejection.missing(field);
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw Rejection.invalid(field, field + " must be a whole number");
    }
    long value = n.longValue();
    if (value < min || value > max) {
      throw Rejection.invalid(field, field + " must be between " + min + " and " + max);
    }
    return value;
  }

  public static JsonObject toJson(FraudPolicy policy) {
    JsonArray checks = new JsonArray();
    for (CheckConfig c : policy.checks()) {
      JsonObject o = new JsonObject().put("check", c.kind().wire).put("action", c.action().wire());
      switch (c.kind()) {
        case EARNINGS_PER_MEMBER, REDEMPTIONS_PER_MEMBER, MEMBERS_PER_DEVICE ->
            o.put("max", c.max()).put("windowMinutes", c.windowMinutes());
        case POINTS_PER_TRANSACTION, POINTS_PER_MEMBER_PER_DAY -> o.put("max", c.max());
        case DISTANT_STORES -> o.put("distanceKm", c.distanceKm()).put("windowMinutes", c.windowMinutes());
        case REDEMPTION_AFTER_ADJUSTMENT -> o.put("minPoints", c.minPoints()).put("windowMinutes", c.windowMinutes());
      }
      checks.add(o);
    }
    return new JsonObject().put("onFailure", policy.onFailure() == FraudPolicy.OnFailure.HOLD ? "hold" : "allow")
        .put("checks", checks);
  }
}
