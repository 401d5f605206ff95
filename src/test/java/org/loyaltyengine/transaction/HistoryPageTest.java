package org.loyaltyengine.transaction;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The newest transactions as the read model keeps them")
class HistoryPageTest {
  final HistoryPage three = new HistoryPage(
      List.of("{\"transactionId\":\"c\",\"note\":\"a,b\\u0001\"}", "{\"transactionId\":\"b\"}", "{\"transactionId\":\"a\"}"),
      List.of("Y3Vy", "Yg", "YQ"), true);

  @Test
  @DisplayName("survives its stored form exactly, whatever the items hold")
  void roundTrip() {
    assertEquals(three, HistoryPage.decode(three.encode()));
    HistoryPage empty = new HistoryPage(List.of(), List.of(), false);
    assertEquals(empty, HistoryPage.decode(empty.encode()));
  }

  @Test
  @DisplayName("a long history is stored deflated, a fraction of its size, and read back exactly")
  void longHistoryIsDeflated() {
    java.util.List<String> items = new java.util.ArrayList<>();
    java.util.List<String> cursors = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      items.add("{\"transactionId\":\"t-" + i + "\",\"items\":[{\"sku\":\"SKU-" + i + "\",\"category\":\"grocery\","
          + "\"quantity\":1,\"amount\":" + (100 + i) + "}],\"pointsEarned\":" + i + ",\"note\":\"zażółć\"}");
      cursors.add("MTc5MTQyNDc4NDAwMDAwMDozMDY0ODc" + i);
    }
    HistoryPage page = new HistoryPage(items, cursors, true);
    String stored = page.encode();
    assertTrue(stored.startsWith("z"));
    assertTrue(stored.length() * 3 < String.join("", items).length(), "deflated: " + stored.length());
    assertEquals(page, HistoryPage.decode(stored));
  }

  @Test
  @DisplayName("a shorter first page ends with the cursor of its last item")
  void shorterPage() {
    JsonObject page = new JsonObject(three.reply(2));
    assertEquals(2, page.getJsonArray("items").size());
    assertEquals("b", page.getJsonArray("items").getJsonObject(1).getString("transactionId"));
    assertEquals("Yg", page.getString("nextCursor"));
  }

  @Test
  @DisplayName("the whole page continues only when older transactions exist; beyond it the database must answer")
  void wholePage() {
    assertEquals("YQ", new JsonObject(three.reply(3)).getString("nextCursor"));
    assertFalse(three.covers(4), "older transactions exist: a bigger page needs the database");
    HistoryPage all = new HistoryPage(three.items(), three.cursors(), false);
    assertTrue(all.covers(200), "the member has no more: any page is this one");
    assertEquals(null, new JsonObject(all.reply(200)).getString("nextCursor"));
    assertEquals("{\"items\":[],\"nextCursor\":null}", new HistoryPage(List.of(), List.of(), false).reply(50));
  }

  @Test
  @DisplayName("a first page cut straight from the stored form is the page of the decoded one, or none when it needs the database")
  void firstPageFromStoredForm() {
    java.util.List<String> items = new java.util.ArrayList<>();
    java.util.List<String> cursors = new java.util.ArrayList<>();
    for (int i = 0; i < 51; i++) {
      items.add("{\"transactionId\":\"t-" + i + "\",\"note\":\"zażółć, \\u0001\"}");
      cursors.add("MTc5MTQy" + i);
    }
    HistoryPage empty = new HistoryPage(List.of(), List.of(), false);
    for (HistoryPage page : List.of(three, new HistoryPage(three.items(), three.cursors(), false), empty,
        new HistoryPage(items.subList(0, 50), cursors.subList(0, 50), true), new HistoryPage(items, cursors, false))) {
      String stored = page.encode();
      for (int limit : new int[] {1, 2, 3, 4, 10, 50, 51, 200}) {
        String expected = page.covers(limit) ? page.reply(limit) : null;
        assertEquals(expected, HistoryPage.firstPage(stored, limit), "limit " + limit + " of " + page.size());
      }
    }
  }
}
