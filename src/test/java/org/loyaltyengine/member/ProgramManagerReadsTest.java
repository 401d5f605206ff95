package org.loyaltyengine.member;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The day-one reads of a program manager: member search, a member's redemptions, a transaction by id, the
 * partner list, earning-rules versions and rollback. Every one sees only the caller's tenant.
 */
@DisplayName("Program manager reads: search, redemptions, transaction, partners, rule versions")
class ProgramManagerReadsTest {
  static TestEngine engine;
  static Tenant acme;
  static Tenant other;
  static String acmePos;
  static String acmeRead;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_FULFILLMENT_ENABLED", "false", "LOYALTY_JOBS_ENABLED", "false"));
    acme = engine.createTenant("acme");
    other = engine.createTenant("other");
    acmePos = engine.createKey(acme.adminKey(), "pos");
    acmeRead = engine.createKey(acme.adminKey(), "read");
    enrol(acme, "anna-1", "Anna@Example.com", "+48 600 100 200");
    enrol(acme, "anna-2", "anna2@example.com", null);
    enrol(acme, "bob-1", "bob@example.com", "600-100-300");
    enrol(acme, "carl_1", null, null);
    enrol(acme, "carlx1", null, null);
    enrol(other, "anna-9", "anna@example.com", "+48 600 100 200");
    assertEquals(200, engine.patch("/v1/members/bob-1", acme.adminKey(), new JsonObject().put("status", "blocked")).status());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  static void enrol(Tenant t, String id, String email, String phone) {
    Reply r = engine.post("/v1/members", t.adminKey(), new JsonObject().put("externalId", id).put("email", email)
        .put("phone", phone));
    assertEquals(201, r.status(), r.body().toString());
  }

  static List<String> ids(Reply r) {
    assertEquals(200, r.status(), r.body().toString());
    List<String> out = new ArrayList<>();
    r.json().getJsonArray("items").forEach(o -> out.add(((JsonObject) o).getString("externalId")));
    return out;
  }

  @Test
  @DisplayName("member search lists the tenant's members by external id and filters by e-mail, phone, prefix and status")
  void memberSearchFilters() {
    assertEquals(List.of("anna-1", "anna-2", "bob-1", "carl_1", "carlx1"), ids(engine.get("/v1/members", acme.adminKey())));
    assertEquals(List.of("anna-1"), ids(engine.get("/v1/members?email=anna@example.com", acme.adminKey())),
        "e-mail matches whatever its case");
    assertEquals(List.of("anna-1"), ids(engine.get("/v1/members?phone=48600100200", acme.adminKey())),
        "phone matches on its digits");
    assertEquals(List.of("anna-1", "anna-2"), ids(engine.get("/v1/members?externalIdPrefix=anna-", acme.adminKey())));
    assertEquals(List.of("carl_1"), ids(engine.get("/v1/members?externalIdPrefix=carl_", acme.adminKey())),
        "an underscore in the prefix is a character, not a wildcard");
    assertEquals(List.of("bob-1"), ids(engine.get("/v1/members?status=blocked", acme.adminKey())));
    assertEquals(List.of(), ids(engine.get("/v1/members?tier=gold", acme.adminKey())));
    JsonObject anna = engine.get("/v1/members?externalIdPrefix=anna-1", acme.adminKey()).json().getJsonArray("items").getJsonObject(0);
    assertEquals(new JsonObject().put("available", 0).put("pending", 0).put("lifetimeEarned", 0), anna.getJsonObject("points"));
    assertEquals("active", anna.getString("status"));
    assertTrue(anna.getString("enrolledAt").endsWith("Z"));
  }

  @Test
  @DisplayName("member search pages with nextCursor: every member once, in order, and null after the last page")
  void memberSearchPages() {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Reply r = engine.get("/v1/members?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), acmePos);
      seen.addAll(ids(r));
      cursor = r.json().getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 10);
    assertEquals(List.of("anna-1", "anna-2", "bob-1", "carl_1", "carlx1"), seen);
    assertEquals(3, pages);
  }

  @Test
  @DisplayName("member search never shows another tenant's members, and bad filters or cursors are 400")
  void memberSearchIsolationAndValidation() {
    assertEquals(List.of("anna-9"), ids(engine.get("/v1/members?email=anna@example.com", other.adminKey())));
    assertEquals(List.of(), ids(engine.get("/v1/members?externalIdPrefix=anna-9", acme.adminKey())));
    Reply badStatus = engine.get("/v1/members?status=gone", acme.adminKey());
    assertEquals(400, badStatus.status());
    assertEquals("invalid_query", badStatus.errorCode());
    assertEquals("status", badStatus.errorField());
    Reply badCursor = engine.get("/v1/members?cursor=%25%25", acme.adminKey());
    assertEquals(400, badCursor.status());
    assertEquals("invalid_cursor", badCursor.errorCode());
    assertEquals("invalid_query", engine.get("/v1/members?externalIdPrefix=a%25", acme.adminKey()).errorCode());
  }

  @Test
  @DisplayName("a member's redemptions are listed newest first, paged, and another tenant's member is 404")
  void memberRedemptions() {
    Tenant acme = engine.createTenant("redeeming");
    String acmePos = engine.createKey(acme.adminKey(), "pos");
    engine.enrol(acme.adminKey(), "redeemer");
    assertEquals(201, engine.post("/v1/members/redeemer/adjustments", acme.adminKey(), new JsonObject()
        .put("adjustmentId", "seed-redeemer").put("points", 1000).put("reason", "test")).status());
    // a gift-card reward needs a partner the tenant has configured (nothing listens there: the redemptions stay pending)
    assertEquals(200, engine.send(io.vertx.core.http.HttpMethod.PUT, "/v1/partners/giftco", acme.adminKey(),
        "application/json", new JsonObject().put("url", "http://127.0.0.1:1/giftco").put("maxAttempts", 100).toBuffer()).status());
    assertEquals(201, engine.post("/v1/rewards", acme.adminKey(), new JsonObject().put("rewardId", "mug")
        .put("name", "Mug").put("type", "gift_card").put("costPoints", 100).put("partner", "giftco")
        .put("partnerSku", "MUG")).status());
    for (String id : List.of("RD-1", "RD-2", "RD-3")) {
      assertEquals(201, engine.post("/v1/redemptions", acmePos, new JsonObject().put("redemptionId", id)
          .put("memberExternalId", "redeemer").put("rewardId", "mug")).status());
    }
    Reply first = engine.get("/v1/members/redeemer/redemptions?limit=2", acme.adminKey());
    assertEquals(200, first.status());
    JsonArray items = first.json().getJsonArray("items");
    assertEquals(List.of("RD-3", "RD-2"), List.of(items.getJsonObject(0).getString("redemptionId"),
        items.getJsonObject(1).getString("redemptionId")));
    assertEquals("pending", items.getJsonObject(0).getString("status"));
    assertEquals(100, items.getJsonObject(0).getLong("pointsSpent"));
    assertEquals(engine.get("/v1/redemptions/RD-3", acme.adminKey()).json(), items.getJsonObject(0),
        "each item is what GET /v1/redemptions/{id} shows");
    Reply second = engine.get("/v1/members/redeemer/redemptions?limit=2&cursor=" + first.json().getString("nextCursor"),
        acme.adminKey());
    assertEquals(1, second.json().getJsonArray("items").size());
    assertEquals("RD-1", second.json().getJsonArray("items").getJsonObject(0).getString("redemptionId"));
    assertNull(second.json().getString("nextCursor"));

    Reply hidden = engine.get("/v1/members/redeemer/redemptions", other.adminKey());
    assertEquals(404, hidden.status());
    assertEquals("member_not_found", hidden.errorCode());
  }

  @Test
  @DisplayName("a transaction is read by its id with what it earned and what was returned; another tenant's is 404")
  void transactionById() {
    Tenant acme = engine.createTenant("buying");
    String acmePos = engine.createKey(acme.adminKey(), "pos");
    engine.enrol(acme.adminKey(), "buyer");
    put(acme, rules("base", 1));
    Reply bought = engine.post("/v1/transactions", acmePos, new JsonObject().put("transactionId", "T-9")
        .put("memberExternalId", "buyer").put("occurredAt", "2026-11-20T10:00:00Z").put("total", 5000)
        .put("currency", "EUR").put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1")
            .put("quantity", 2).put("amount", 5000))));
    assertEquals(201, bought.status(), bought.body().toString());
    assertEquals(201, engine.post("/v1/transactions/T-9/returns", acmePos, new JsonObject().put("returnId", "R-9")
        .put("amount", 1000)).status());

    Reply r = engine.get("/v1/transactions/T-9", acme.adminKey());
    assertEquals(200, r.status());
    JsonObject t = r.json();
    assertEquals("buyer", t.getString("memberExternalId"));
    assertEquals("2026-11-20T10:00:00Z", t.getString("occurredAt"));
    assertEquals(5000, t.getLong("total"));
    assertEquals(50, t.getLong("pointsEarned"));
    assertEquals(new JsonArray().add(new JsonObject().put("ruleId", "base").put("points", 50)), t.getJsonArray("breakdown"));
    assertEquals(new JsonObject().put("amount", 1000).put("points", 10), t.getJsonObject("returned"));
    assertEquals("SKU-1", t.getJsonArray("items").getJsonObject(0).getString("sku"));

    Reply hidden = engine.get("/v1/transactions/T-9", other.adminKey());
    assertEquals(404, hidden.status());
    assertEquals("transaction_not_found", hidden.errorCode());
  }

  @Test
  @DisplayName("the partner list shows the tenant's partners by id with the API key hidden, paged")
  void partnerList() {
    Tenant acme = engine.createTenant("partnering");
    String acmeRead = engine.createKey(acme.adminKey(), "read");
    for (String id : List.of("zeta", "alpha", "mid")) {
      assertEquals(200, engine.send(io.vertx.core.http.HttpMethod.PUT, "/v1/partners/" + id, acme.adminKey(),
          "application/json", new JsonObject().put("url", "http://127.0.0.1:1/" + id).put("apiKey", "secret-" + id)
              .toBuffer()).status());
    }
    Reply first = engine.get("/v1/partners?limit=2", acme.adminKey());
    assertEquals(200, first.status());
    JsonArray items = first.json().getJsonArray("items");
    assertEquals("alpha", items.getJsonObject(0).getString("partnerId"));
    assertEquals("mid", items.getJsonObject(1).getString("partnerId"));
    assertEquals("***", items.getJsonObject(0).getString("apiKey"));
    Reply second = engine.get("/v1/partners?limit=2&cursor=" + first.json().getString("nextCursor"), acme.adminKey());
    assertEquals("zeta", second.json().getJsonArray("items").getJsonObject(0).getString("partnerId"));
    assertNull(second.json().getString("nextCursor"));

    assertEquals(0, engine.get("/v1/partners", other.adminKey()).json().getJsonArray("items").size());
    assertEquals(404, engine.get("/v1/partners/alpha", other.adminKey()).status());
    assertEquals(403, engine.get("/v1/partners", acmeRead).status(), "partner settings are for admins");
  }

  @Test
  @DisplayName("an earning-rules version is read by number, and rolling back makes its rules active as a new version, once")
  void ruleVersionsAndRollback() {
    Tenant t = engine.createTenant("rules-history");
    JsonObject v1 = rules("base", 1);
    JsonObject v2 = rules("base", 3);
    assertEquals(1, put(t, v1).getInteger("version"));
    assertEquals(2, put(t, v2).getInteger("version"));

    Reply one = engine.get("/v1/earning-rules/versions/1", t.adminKey());
    assertEquals(200, one.status());
    assertEquals(1, one.json().getInteger("version"));
    assertEquals(1, one.json().getJsonArray("rules").getJsonObject(0).getJsonObject("award").getInteger("points"));
    assertTrue(one.json().getString("createdAt").endsWith("Z"));

    Reply back = engine.post("/v1/earning-rules/versions/1/rollback", t.adminKey(), null);
    assertEquals(200, back.status(), back.body().toString());
    assertEquals(3, back.json().getInteger("version"));
    assertEquals(1, back.json().getInteger("restoredFrom"));
    assertTrue(back.json().getBoolean("created"));
    JsonObject active = engine.get("/v1/earning-rules", t.adminKey()).json();
    assertEquals(3, active.getInteger("version"));
    assertEquals(one.json().getJsonArray("rules"), active.getJsonArray("rules"));

    Reply again = engine.post("/v1/earning-rules/versions/1/rollback", t.adminKey(), null);
    assertEquals(200, again.status());
    assertEquals(3, again.json().getInteger("version"), "a repeated rollback makes no new version");
    assertFalse(again.json().getBoolean("created"));
    assertEquals(3, engine.get("/v1/earning-rules/versions", t.adminKey()).json().getJsonArray("items").size());

    Reply missing = engine.get("/v1/earning-rules/versions/9", t.adminKey());
    assertEquals(404, missing.status());
    assertEquals("rule_version_not_found", missing.errorCode());
    assertEquals(404, engine.post("/v1/earning-rules/versions/9/rollback", t.adminKey(), null).status());
    assertEquals("invalid_field", engine.get("/v1/earning-rules/versions/x", t.adminKey()).errorCode());
    assertEquals(404, engine.get("/v1/earning-rules/versions/1", other.adminKey()).status(),
        "another tenant's versions are invisible");
    Reply foreignRollback = engine.post("/v1/earning-rules/versions/2/rollback", other.adminKey(), null);
    assertEquals(404, foreignRollback.status());
    assertEquals(3, engine.get("/v1/earning-rules", t.adminKey()).json().getInteger("version"));
  }

  static JsonObject rules(String id, int points) {
    return new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("id", id).put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "per_spend").put("points", points).put("perAmount", 100))));
  }

  static JsonObject put(Tenant t, JsonObject set) {
    Reply r = engine.send(io.vertx.core.http.HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), "application/json",
        set.toBuffer());
    assertEquals(200, r.status(), r.body().toString());
    return r.json();
  }
}
