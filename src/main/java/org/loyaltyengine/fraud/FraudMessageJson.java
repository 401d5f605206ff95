package org.loyaltyengine.fraud;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The event-bus messages between the write paths and the fraud workers, as plain JSON objects (so they
 * cross cluster nodes with Vert.x's built-in JSON codec): a request carries the policy and the attempts in
 * order (one for an API write, a chunk's earnings for the ingestion), the reply one verdict per attempt.
 */
public final class FraudMessageJson {
  private FraudMessageJson() {}

  public static JsonObject request(FraudPolicy policy, List<Attempt> attempts) {
    JsonArray list = new JsonArray();
    attempts.forEach(a -> list.add(toJson(a)));
    return new JsonObject().put("policy", FraudPolicyJson.toJson(policy)).put("attempts", list);
  }

  public static List<Attempt> attempts(JsonObject request) {
    List<Attempt> out = new ArrayList<>();
    for (Object o : request.getJsonArray("attempts")) {
      out.add(attempt((JsonObject) o));
    }
    return out;
  }

  static JsonObject toJson(Attempt a) {
    FraudContext c = a.context();
    return new JsonObject()
        .put("kind", a.kind().name()).put("tenantId", a.tenantId().toString()).put("memberId", a.memberId())
        .put("causeId", a.causeId()).put("points", a.points()).put("at", a.at().toString())
        .put("rewardId", a.rewardId()).put("storeId", c.storeId())
        .put("lat", c.location() == null ? null : c.location().lat())
        .put("lon", c.location() == null ? null : c.location().lon())
        .put("deviceId", c.deviceId()).put("ip", c.ip());
  }

  public static FraudPolicy policy(JsonObject request) {
    return FraudPolicyJson.parse(request.getJsonObject("policy"));
  }

  static Attempt attempt(JsonObject r) {
    Location location = r.getValue("lat") == null ? null : new Location(r.getDouble("lat"), r.getDouble("lon"));
    return new Attempt(Attempt.Kind.valueOf(r.getString("kind")), UUID.fromString(r.getString("tenantId")),
        r.getLong("memberId"), r.getString("causeId"), r.getLong("points"), Instant.parse(r.getString("at")),
        r.getString("rewardId"),
        new FraudContext(r.getString("storeId"), location, r.getString("deviceId"), r.getString("ip")));
  }

  public static JsonObject reply(List<FraudVerdict> verdicts) {
    JsonArray list = new JsonArray();
    verdicts.forEach(v -> list.add(toJson(v)));
    return new JsonObject().put("verdicts", list);
  }

  public static List<FraudVerdict> verdicts(JsonObject reply) {
    List<FraudVerdict> out = new ArrayList<>();
    for (Object o : reply.getJsonArray("verdicts")) {
      out.add(verdict((JsonObject) o));
    }
    return out;
  }

  static JsonObject toJson(FraudVerdict v) {
    return new JsonObject().put("action", v.action().wire()).put("checks", findings(v.findings()));
  }

  public static JsonArray findings(List<Finding> findings) {
    JsonArray out = new JsonArray();
    findings.forEach(f -> out.add(new JsonObject().put("check", f.check()).put("action", f.action().wire())
        .put("detail", f.detail())));
    return out;
  }

  static FraudVerdict verdict(JsonObject reply) {
    List<Finding> findings = new ArrayList<>();
    for (Object o : reply.getJsonArray("checks")) {
      JsonObject f = (JsonObject) o;
      findings.add(new Finding(f.getString("check"), FraudAction.of(f.getString("action")), f.getString("detail")));
    }
    return FraudVerdict.of(findings);
  }
}
