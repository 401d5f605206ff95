package org.loyaltyengine.member;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

/** The member's wire shapes: the status and profile replies, and the cached snapshot they are made from. */
public final class MemberJson {
  private MemberJson() {}

  public static JsonObject status(MemberSnapshot m) {
    return new JsonObject()
        .put("externalId", m.externalId())
        .put("status", m.status().wireName())
        .put("canEarn", m.canEarn())
        .put("canRedeem", m.canRedeem())
        .put("tier", tier(m))
        .put("points", points(m));
  }

  public static JsonObject profile(MemberSnapshot m) {
    return new JsonObject()
        .put("externalId", m.externalId())
        .put("email", m.email())
        .put("phone", m.phone())
        .put("firstName", m.firstName())
        .put("lastName", m.lastName())
        .put("birthDate", m.birthDate() == null ? null : m.birthDate().toString())
        .put("attributes", new JsonObject(new LinkedHashMap<>(m.attributes())))
        .put("status", m.status().wireName())
        .put("tier", tier(m))
        .put("points", points(m))
        .put("enrolledAt", m.enrolledAt().toString())
        .put("transactionCount", m.transactionCount())
        .put("totalSpent", m.totalSpent());
  }

  private static JsonObject tier(MemberSnapshot m) {
    return m.tierCode() == null ? null : new JsonObject().put("code", m.tierCode());
  }

  private static JsonObject points(MemberSnapshot m) {
    return new JsonObject()
        .put("available", m.available())
        .put("pending", m.pending())
        .put("lifetimeEarned", m.lifetimeEarned());
  }

  /** The cached form: the profile plus the internal id and version. */
  public static String toCache(MemberSnapshot m) {
    return profile(m).put("memberId", m.memberId()).put("version", m.version()).encode();
  }

  public static MemberSnapshot fromCache(String json) {
    JsonObject o = new JsonObject(json);
    JsonObject points = o.getJsonObject("points");
    JsonObject tier = o.getJsonObject("tier");
    Map<String, String> attributes = new LinkedHashMap<>();
    o.getJsonObject("attributes").forEach(e -> attributes.put(e.getKey(), (String) e.getValue()));
    String birthDate = o.getString("birthDate");
    return new MemberSnapshot(o.getLong("memberId"), o.getString("externalId"), o.getString("email"),
        o.getString("phone"), o.getString("firstName"), o.getString("lastName"),
        birthDate == null ? null : LocalDate.parse(birthDate), attributes,
        MemberStatus.parse("status", o.getString("status")), tier == null ? null : tier.getString("code"),
        Instant.parse(o.getString("enrolledAt")), points.getLong("available"), points.getLong("pending"),
        points.getLong("lifetimeEarned"), o.getLong("transactionCount"), o.getLong("totalSpent"),
        o.getLong("version"));
  }
}
