package org.loyaltyengine.member;

import io.vertx.core.json.JsonObject;
import org.loyaltyengine.tier.Tier;
import org.loyaltyengine.tier.TierSet;

import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The member's wire shapes: the status and profile replies, and the snapshot back from a read-model document. */
public final class MemberJson {
  private MemberJson() {}

  public static JsonObject status(MemberSnapshot m, TierSet tiers) {
    return new JsonObject()
        .put("externalId", m.externalId())
        .put("status", m.status().wireName())
        .put("canEarn", m.canEarn())
        .put("canRedeem", m.canRedeem())
        .put("tier", tier(m, tiers))
        .put("points", points(m));
  }

  public static JsonObject profile(MemberSnapshot m, TierSet tiers) {
    Optional<Tier> next = tiers.next(m.tierCode());
    return new JsonObject()
        .put("externalId", m.externalId())
        .put("email", m.email())
        .put("phone", m.phone())
        .put("firstName", m.firstName())
        .put("lastName", m.lastName())
        .put("birthDate", m.birthDate() == null ? null : m.birthDate().toString())
        .put("attributes", new JsonObject(new LinkedHashMap<>(m.attributes())))
        .put("status", m.status().wireName())
        .put("tier", tier(m, tiers))
        .put("nextTier", next.map(t -> new JsonObject().put("code", t.code()).put("name", t.name())
            .put("threshold", t.threshold()).put("pointsNeeded", Math.max(0, t.threshold() - m.qualifyingPoints())))
            .orElse(null))
        .put("qualifyingPoints", m.qualifyingPoints())
        .put("points", points(m).put("expiringIn30Days", m.expiringSoon()))
        .put("enrolledAt", m.enrolledAt().toString())
        .put("transactionCount", m.transactionCount())
        .put("totalSpent", m.totalSpent());
  }

  private static JsonObject tier(MemberSnapshot m, TierSet tiers) {
    if (m.tierCode() == null) {
      return null;
    }
    Optional<Tier> t = tiers.byCode(m.tierCode());
    return new JsonObject().put("code", m.tierCode()).put("name", t.map(Tier::name).orElse(null))
        .put("multiplierPercent", tiers.multiplierPercent(m.tierCode()))
        .put("validUntil", m.tierValidUntil() == null ? null : m.tierValidUntil().toString());
  }

  private static JsonObject points(MemberSnapshot m) {
    return new JsonObject()
        .put("available", m.available())
        .put("pending", m.pending())
        .put("lifetimeEarned", m.lifetimeEarned());
  }

  /** The snapshot back from a cached profile, which carries every snapshot field. */
  public static MemberSnapshot fromProfile(CachedMember cached) {
    JsonObject o = new JsonObject(cached.profileJson());
    Map<String, String> attributes = new LinkedHashMap<>();
    o.getJsonObject("attributes").forEach(e -> attributes.put(e.getKey(), (String) e.getValue()));
    String birthDate = o.getString("birthDate");
    JsonObject tier = o.getJsonObject("tier");
    String validUntil = tier == null ? null : tier.getString("validUntil");
    JsonObject points = o.getJsonObject("points");
    return new MemberSnapshot(cached.memberId(), o.getString("externalId"), o.getString("email"),
        o.getString("phone"), o.getString("firstName"), o.getString("lastName"),
        birthDate == null ? null : LocalDate.parse(birthDate), attributes,
        MemberStatus.parse("status", o.getString("status")), tier == null ? null : tier.getString("code"),
        validUntil == null ? null : Instant.parse(validUntil), Instant.parse(o.getString("enrolledAt")),
        points.getLong("available"), points.getLong("pending"), points.getLong("lifetimeEarned"),
        points.getLong("expiringIn30Days"), o.getLong("qualifyingPoints"), o.getLong("transactionCount"),
        o.getLong("totalSpent"), cached.version());
  }
}
