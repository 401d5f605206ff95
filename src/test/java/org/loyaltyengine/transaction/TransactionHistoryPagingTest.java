package org.loyaltyengine.transaction;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Transaction history: newest first, keyset pages")
class TransactionHistoryPagingTest {
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start();
    tenant = engine.createTenant("history");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  /** Transactions as the earning feature will write them; several share a timestamp to exercise ties. */
  private static void insertTransactions(String externalId, String prefix, int count, Instant newest) {
    engine.execute("""
        insert into transactions (tenant_id, transaction_id, member_id, occurred_at, total, currency, items, points_earned)
        select m.tenant_id, ? || g, m.id, ?::timestamptz - ((g / 3) * interval '1 minute'), 1000 + g, 'EUR',
               jsonb_build_array(jsonb_build_object('sku', 'SKU-' || g, 'category', 'food', 'quantity', 1, 'amount', 1000 + g)),
               10 + g
        from members m, generate_series(1, ?) g where m.external_id = ?""", prefix, newest.toString(), count, externalId);
    engine.forgetDocument(tenant.id(), externalId); // written behind the engine's back: rebuilt on the next read
  }

  private static List<JsonObject> readAll(String externalId, int limit, Runnable betweenPages) {
    List<JsonObject> all = new ArrayList<>();
    String cursor = null;
    do {
      String path = "/v1/members/" + externalId + "/transactions?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor);
      JsonObject page = engine.get(path, tenant.adminKey()).json();
      JsonArray items = page.getJsonArray("items");
      assertTrue(items.size() <= limit);
      items.forEach(i -> all.add((JsonObject) i));
      cursor = page.getString("nextCursor");
      betweenPages.run();
    } while (cursor != null);
    return all;
  }

  @Test
  @DisplayName("the history is compact JSON with UTC timestamps ending in Z, however the rows were written")
  void compactJsonAndUtcTimestamps() {
    engine.enrol(tenant.adminKey(), "compact");
    insertTransactions("compact", "c-", 2, Instant.parse("2026-06-01T12:00:00.120Z")); // as the seeder writes rows
    String body = engine.get("/v1/members/compact/transactions", tenant.adminKey()).body().toString();
    assertTrue(!body.contains("\": ") && !body.contains(", \""), "no spaces between tokens: " + body);
    assertTrue(body.contains("\"occurredAt\":\"2026-06-01T12:00:00.120Z\""), body);
    assertTrue(!body.contains("+00:00"), body);
  }

  @Test
  @DisplayName("pages hold every transaction exactly once, newest first, and the last page has no cursor")
  void pagesCoverEverythingOnce() {
    engine.enrol(tenant.adminKey(), "pager");
    insertTransactions("pager", "t-", 120, Instant.parse("2026-06-01T12:00:00Z"));
    List<JsonObject> all = readAll("pager", 50, () -> { });
    assertEquals(120, all.size());
    Set<String> ids = new HashSet<>();
    all.forEach(t -> ids.add(t.getString("transactionId")));
    assertEquals(120, ids.size(), "no duplicates");
    for (int i = 1; i < all.size(); i++) {
      Instant prev = Instant.parse(all.get(i - 1).getString("occurredAt"));
      Instant cur = Instant.parse(all.get(i).getString("occurredAt"));
      assertTrue(!cur.isAfter(prev), "newest first");
    }
  }

  @Test
  @DisplayName("each item carries id, time, total, currency, line items and points earned")
  void itemShape() {
    engine.enrol(tenant.adminKey(), "shape");
    insertTransactions("shape", "s-", 1, Instant.parse("2026-06-01T12:00:00Z"));
    JsonObject page = engine.get("/v1/members/shape/transactions", tenant.adminKey()).json();
    JsonObject t = page.getJsonArray("items").getJsonObject(0);
    assertEquals("s-1", t.getString("transactionId"));
    assertEquals("2026-06-01T12:00:00Z", t.getString("occurredAt"));
    assertEquals(1001, t.getLong("total"));
    assertEquals("EUR", t.getString("currency"));
    assertEquals(11, t.getLong("pointsEarned"));
    JsonObject line = t.getJsonArray("items").getJsonObject(0);
    assertEquals("SKU-1", line.getString("sku"));
    assertEquals(1, line.getInteger("quantity"));
    assertNull(page.getString("nextCursor"));
  }

  @Test
  @DisplayName("transactions inserted while a client pages through cause no duplicates and no gaps")
  void stableUnderConcurrentInserts() {
    engine.enrol(tenant.adminKey(), "busy");
    insertTransactions("busy", "old-", 90, Instant.parse("2026-06-01T12:00:00Z"));
    int[] round = {0};
    // Between pages, newer purchases arrive (they belong before the first page, so they must not appear).
    List<JsonObject> all = readAll("busy", 20, () -> insertTransactions("busy", "new" + (round[0]++) + "-", 5,
        Instant.parse("2026-07-01T12:00:00Z")));
    Set<String> ids = new HashSet<>();
    all.forEach(t -> ids.add(t.getString("transactionId")));
    assertEquals(90, all.size());
    assertEquals(90, ids.size());
    assertTrue(ids.stream().allMatch(id -> id.startsWith("old-")));
  }

  @Test
  @DisplayName("limit defaults to 50 and a member with no purchases gets an empty page")
  void defaultsAndEmpty() {
    engine.enrol(tenant.adminKey(), "many");
    insertTransactions("many", "m-", 60, Instant.parse("2026-06-01T12:00:00Z"));
    assertEquals(50, engine.get("/v1/members/many/transactions", tenant.adminKey()).json().getJsonArray("items").size());
    engine.enrol(tenant.adminKey(), "none");
    JsonObject empty = engine.get("/v1/members/none/transactions", tenant.adminKey()).json();
    assertEquals(0, empty.getJsonArray("items").size());
    assertNull(empty.getString("nextCursor"));
  }

  @Test
  @DisplayName("an unknown member's history is 404 member_not_found, not an empty page")
  void unknownMember() {
    assertEquals("member_not_found", engine.get("/v1/members/ghost/transactions", tenant.adminKey()).errorCode());
  }
}
