package org.loyaltyengine.analytics;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.events.DomainEvent;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Real activity through the API and the ledger functions, and the truth the rollups must match. */
final class AnalyticsFixtures {
  private AnalyticsFixtures() {}

  /** TestEngine.createTenant's zone. */
  static final ZoneId WARSAW = ZoneId.of("Europe/Warsaw");
  static final Instant AN_HOUR_AGO = Instant.now().minusSeconds(3600);

  static JsonObject onePointPerEuro() {
    return new JsonObject().put("rules", new JsonArray().add(new JsonObject()
        .put("id", "base").put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)
            .put("rounding", "down").put("spend", "basket"))));
  }

  static JsonObject purchase(String transactionId, String member, long total) {
    return new JsonObject().put("transactionId", transactionId).put("memberExternalId", member)
        .put("occurredAt", AN_HOUR_AGO.toString()).put("total", total).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1").put("category", "grocery")
            .put("quantity", 1).put("amount", total)));
  }

  static void ok(TestEngine.Reply reply, int status) {
    assertEquals(status, reply.status(), () -> reply.body() == null ? "" : reply.body().toString());
  }

  /** A tenant with the one-point-per-euro program, a gift card (100 points) and a coupon (40 points). */
  static Tenant program(TestEngine engine, String name) {
    Tenant t = engine.createTenant(name);
    ok(engine.send(HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), "application/json", onePointPerEuro().toBuffer()), 200);
    ok(engine.send(HttpMethod.PUT, "/v1/partners/giftco", t.adminKey(), "application/json",
        new JsonObject().put("url", "http://127.0.0.1:9/partner").toBuffer()), 200); // a reward's partner must exist
    ok(engine.post("/v1/rewards", t.adminKey(), new JsonObject().put("rewardId", "gc").put("name", "Gift card")
        .put("type", "gift_card").put("costPoints", 100).put("partner", "giftco").put("partnerSku", "GC-10")), 201);
    ok(engine.post("/v1/rewards", t.adminKey(), new JsonObject().put("rewardId", "coupon").put("name", "Coupon")
        .put("type", "coupon_code").put("costPoints", 40)), 201);
    ok(engine.post("/v1/rewards/coupon/codes", t.adminKey(), new JsonObject()
        .put("codes", new JsonArray(List.of("C-1", "C-2", "C-3", "C-4", "C-5", "C-6")))), 200);
    return t;
  }

  /** Enrolments and purchases: the first half of a day. */
  static void morning(TestEngine engine, Tenant t, String p) {
    engine.enrol(t.adminKey(), p + "-anna");
    engine.enrol(t.adminKey(), p + "-ben");
    engine.enrol(t.adminKey(), p + "-quiet"); // enrolled, never active
    ok(engine.post("/v1/transactions", t.adminKey(), purchase(p + "-t1", p + "-anna", 12_999)), 201);
    ok(engine.post("/v1/transactions", t.adminKey(), purchase(p + "-t2", p + "-ben", 5_000)), 201);
    ok(engine.post("/v1/transactions/" + p + "-t1/returns", t.adminKey(),
        new JsonObject().put("returnId", p + "-r1").put("amount", 2_999)), 201);
    ok(engine.patch("/v1/members/" + p + "-quiet", t.adminKey(), new JsonObject().put("firstName", "Q")), 200);
  }

  /**
   * Adjustments both ways, redemptions fulfilled (coupon at once, gift card by the partner) and failed
   * (refunded), points pending then released, and points expired: every way points move.
   */
  static void afternoon(TestEngine engine, Tenant t, String p) {
    ok(adjust(engine, t, p + "-ben", p + "-a1", 500), 201);
    ok(adjust(engine, t, p + "-anna", p + "-a2", -20), 201);
    ok(redeem(engine, t, p + "-rd1", p + "-ben", "gc"), 201);
    ok(redeem(engine, t, p + "-rd2", p + "-ben", "gc"), 201);
    ok(redeem(engine, t, p + "-rd3", p + "-anna", "coupon"), 201);
    engine.queryLong("select count(*) from loyalty_claim_jobs(1000, 600000)");
    engine.queryLong("select count(*) from loyalty_fulfil_batch(array[(select id from fulfillment_jobs"
        + " where tenant_id = ?::uuid and redemption_id = ?)], array['[\"GC-CODE\"]'])", t.id(), p + "-rd1");
    engine.queryLong("select count(*) from loyalty_fail_redemption((select id from fulfillment_jobs"
        + " where tenant_id = ?::uuid and redemption_id = ?), 'partner refused')", t.id(), p + "-rd2");

    ok(engine.send(HttpMethod.PUT, "/v1/settings", t.adminKey(), "application/json", new JsonObject()
        .put("pendingDays", 30).put("expiry", new JsonObject().put("policy", "never")).toBuffer()), 200);
    ok(engine.post("/v1/transactions", t.adminKey(), purchase(p + "-t3", p + "-anna", 3_000)), 201);
    engine.execute("update point_lots set available_at = now() - interval '1 second' where tenant_id = ?::uuid"
        + " and cause_id = ?", t.id(), p + "-t3");
    engine.queryLong("select count(*) from loyalty_release_due(1000)");
    ok(engine.send(HttpMethod.PUT, "/v1/settings", t.adminKey(), "application/json", new JsonObject()
        .put("pendingDays", 0).put("expiry", new JsonObject().put("policy", "never")).toBuffer()), 200);

    engine.execute("update point_lots set expires_at = now() - interval '1 minute' where tenant_id = ?::uuid"
        + " and cause_id = ?", t.id(), p + "-a1");
    engine.queryLong("select count(*) from loyalty_expire_due(1000)");
  }

  static TestEngine.Reply adjust(TestEngine engine, Tenant t, String member, String id, long points) {
    return engine.post("/v1/members/" + member + "/adjustments", t.adminKey(),
        new JsonObject().put("adjustmentId", id).put("points", points).put("reason", "test"));
  }

  static TestEngine.Reply redeem(TestEngine engine, Tenant t, String id, String member, String reward) {
    return engine.post("/v1/redemptions", t.adminKey(), new JsonObject().put("redemptionId", id)
        .put("memberExternalId", member).put("rewardId", reward).put("quantity", 1));
  }

  /** The tenant's outbox as the feed would deliver it. */
  static List<DomainEvent> eventsOf(TestEngine engine, Tenant t) {
    UUID id = UUID.fromString(t.id());
    return engine.outboxEvents().stream().filter(e -> e.tenantId().equals(id)).toList();
  }

  /** Today in the tenants' zone, and the days either side (a run near midnight spans two days). */
  static LocalDate today() {
    return LocalDate.now(WARSAW);
  }

  /**
   * The figures computed from the live tables, over the tenant's whole history or one day (in the zone of
   * {@link TestEngine#createTenant}), in the JSON shape of the reports. Released points have no ledger
   * entry, so they are not here.
   */
  static JsonObject truth(TestEngine engine, Tenant t, LocalDate day) {
    String onDay = day == null ? "" : " and (created_at at time zone 'Europe/Warsaw')::date = '" + day + "'::date";
    String ledger = "select coalesce(sum(%s), 0) from ledger_entries where tenant_id = ?::uuid and %s" + onDay;
    long issued = engine.queryLong(ledger.formatted("points", "kind = 'earn'"), t.id());
    long issuedPending = engine.queryLong(ledger.formatted("points", "kind = 'earn' and available_at > created_at"), t.id());
    long redeemed = -engine.queryLong(ledger.formatted("points", "kind = 'redeem'"), t.id());
    long refunded = engine.queryLong(ledger.formatted("points", "kind = 'refund'"), t.id());
    long expired = -engine.queryLong(ledger.formatted("points", "kind = 'expire'"), t.id());
    long returned = -engine.queryLong(ledger.formatted("points", "kind = 'return'"), t.id());
    long adjustedIn = engine.queryLong(ledger.formatted("points", "kind = 'adjust' and points > 0"), t.id());
    long adjustedOut = -engine.queryLong(ledger.formatted("points", "kind = 'adjust' and points < 0"), t.id());
    long net = engine.queryLong(ledger.formatted("points", "true"), t.id());
    String memberDay = day == null ? "" : " and (enrolled_at at time zone 'Europe/Warsaw')::date = '" + day + "'::date";
    String redemptionDay = day == null ? "" : " and (created_at at time zone 'Europe/Warsaw')::date = '" + day + "'::date";
    String settledDay = day == null ? "" : " and (updated_at at time zone 'Europe/Warsaw')::date = '" + day + "'::date";
    return new JsonObject()
        .put("points", new JsonObject().put("issued", issued).put("issuedPending", issuedPending)
            .put("redeemed", redeemed).put("refunded", refunded).put("expired", expired).put("returned", returned)
            .put("adjustedIn", adjustedIn).put("adjustedOut", adjustedOut).put("net", net))
        .put("redemptions", new JsonObject()
            .put("created", engine.queryLong("select count(*) from redemptions where tenant_id = ?::uuid" + redemptionDay, t.id()))
            .put("fulfilled", engine.queryLong("select count(*) from redemptions where tenant_id = ?::uuid"
                + " and status = 'fulfilled'" + settledDay, t.id()))
            .put("failed", engine.queryLong("select count(*) from redemptions where tenant_id = ?::uuid"
                + " and status = 'failed'" + settledDay, t.id())))
        .put("members", new JsonObject()
            .put("new", engine.queryLong("select count(*) from members where tenant_id = ?::uuid" + memberDay, t.id()))
            .put("active", engine.queryLong("select count(distinct member_id) from ledger_entries where tenant_id = ?::uuid"
                + " and kind in ('earn', 'return', 'redeem')" + onDay, t.id())))
        .put("liability", day == null
            ? engine.queryLong("select coalesce(sum(available + pending), 0) from member_balances where tenant_id = ?::uuid", t.id())
            : engine.queryLong("select coalesce(sum(points), 0) from ledger_entries where tenant_id = ?::uuid"
                + " and (created_at at time zone 'Europe/Warsaw')::date <= '" + day + "'::date", t.id()));
  }

  /** The report's figures in the shape of {@link #truth}: released points left out, liability at the end. */
  static JsonObject comparable(JsonObject report) {
    JsonObject points = report.getJsonObject("points").copy();
    points.remove("released");
    points.remove("openingBalance");
    Object liability = report.getValue("liability") instanceof JsonObject l ? l.getValue("atEnd") : report.getValue("liability");
    return new JsonObject().put("points", points).put("redemptions", report.getJsonObject("redemptions"))
        .put("members", report.getJsonObject("members")).put("liability", liability);
  }
}
