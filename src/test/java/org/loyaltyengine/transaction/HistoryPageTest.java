package org.loyaltyengine.transaction;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    byte[] stored = page.encode();
    assertEquals('x', stored[0], "deflated, as bytes");
    assertTrue(stored.length * 3 < String.join("", items).length(), "deflated: " + stored.length);
    assertEquals(page, HistoryPage.decode(stored));
  }

  /** Ten purchases of a few lines each, as a member of the benchmark has them, with the history's own cursors. */
  static HistoryPage tenPurchases() {
    java.util.Random random = new java.util.Random(42);
    String[] categories = {"grocery", "clothing", "beverages", "electronics", "personal-care"};
    List<String> items = new java.util.ArrayList<>();
    List<String> cursors = new java.util.ArrayList<>();
    long micros = 1_795_704_111_000_000L;
    for (int i = 0; i < 10; i++) {
      StringBuilder lines = new StringBuilder();
      long total = 0;
      for (int l = 0, n = 1 + random.nextInt(5); l < n; l++) {
        long amount = 500 + random.nextInt(30_000);
        total += amount;
        lines.append(l > 0 ? "," : "").append("{\"sku\":\"SKU-").append(random.nextInt(1000)).append("\",\"amount\":")
            .append(amount).append(",\"category\":\"").append(categories[random.nextInt(5)]).append("\",\"quantity\":")
            .append(1 + random.nextInt(3)).append('}');
      }
      micros -= random.nextInt(1_000_000_000) * 1_000L;
      items.add("{\"transactionId\":\"t-96843-" + i + "\",\"occurredAt\":\"2026-11-26T14:41:51Z\",\"total\":" + total
          + ",\"currency\":\"EUR\",\"items\":[" + lines + "],\"pointsEarned\":" + total / 100 + "}");
      cursors.add(new HistoryCursor(java.time.Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS),
          968_420 + i).encode());
    }
    return new HistoryPage(items, cursors, false);
  }

  @Test
  @DisplayName("the history's own cursors are stored as their digits and read back as the same cursors")
  void cursorsStoredAsDigits() {
    HistoryPage page = tenPurchases();
    String cursor = page.cursors().get(0);
    assertTrue(HistoryPage.compact(cursor).startsWith("~"), HistoryPage.compact(cursor));
    assertEquals(cursor, HistoryPage.expand(HistoryPage.compact(cursor)));
    assertEquals("Y3Vy", HistoryPage.compact("Y3Vy"), "any other cursor is kept as it is");
    assertEquals(page, HistoryPage.decode(page.encode()));
    assertEquals(page.reply(10), HistoryPage.decode(page.encode()).reply(10));
  }

  @Test
  @DisplayName("a typical history is stored in under a quarter of its JSON, smaller with the preset dictionary and as bytes than before, and the older forms are still read")
  void dictionaryShrinksTypicalHistory() {
    HistoryPage page = tenPurchases();
    byte[] stored = page.encode();
    assertEquals('x', stored[0]);
    int json = String.join("", page.items()).length();
    assertTrue(stored.length * 4 < json, stored.length + " stored for " + json + " of JSON");
    // The form written before the dictionary: deflated alone, cursors in base64.
    StringBuilder plain = new StringBuilder("0");
    page.cursors().forEach(c -> plain.append(',').append(c));
    plain.append('\u0002').append(String.join("\u0001", page.items()));
    java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_SPEED, true);
    deflater.setInput(plain.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    deflater.finish();
    byte[] out = new byte[8192];
    int n = deflater.deflate(out);
    String older = "z" + java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(out, n));
    assertEquals(page, HistoryPage.decode(older.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    assertTrue(stored.length < older.length() * 0.65, stored.length + " against " + older.length() + " before");
    // The form written before raw bytes: the same deflate as base64 text behind a "y".
    String base64 = "y" + java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(stored, 1, stored.length));
    byte[] yForm = base64.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertEquals(page, HistoryPage.decode(yForm));
    assertArrayEquals(HistoryPage.firstPage(stored, 10), HistoryPage.firstPage(yForm, 10));
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
      byte[] stored = page.encode();
      // as the read finds it: the last part of a longer document
      byte[] doc = new byte[stored.length + 7];
      System.arraycopy(stored, 0, doc, 7, stored.length);
      for (int limit : new int[] {1, 2, 3, 4, 10, 50, 51, 200}) {
        String expected = page.covers(limit) ? page.reply(limit) : null;
        byte[] cut = HistoryPage.firstPage(doc, 7, doc.length, limit);
        assertEquals(expected, cut == null ? null : new String(cut, java.nio.charset.StandardCharsets.UTF_8),
            "limit " + limit + " of " + page.size());
      }
    }
  }

  private static HistoryCursor at(long seconds, long seq) {
    return new HistoryCursor(java.time.Instant.ofEpochSecond(seconds), seq);
  }

  private static HistoryPage.Entry entry(String id, long seconds, long seq) {
    return new HistoryPage.Entry("{\"transactionId\":\"" + id + "\"}", at(seconds, seq));
  }

  /** A history of items named by id, at (seconds, seq) each. */
  private static HistoryPage history(boolean more, HistoryPage.Entry... entries) {
    return new HistoryPage(java.util.Arrays.stream(entries).map(HistoryPage.Entry::item).toList(),
        java.util.Arrays.stream(entries).map(e -> e.at().encode()).toList(), more);
  }

  @Test
  @DisplayName("a new purchase takes its place by time, then seq: the newest first, a late one among the older")
  void newerPurchasesTakeTheirPlace() {
    HistoryPage page = history(false, entry("c", 300, 3), entry("b", 200, 2), entry("a", 100, 1));
    assertEquals(history(false, entry("d", 400, 9), entry("c", 300, 3), entry("b", 200, 2), entry("a", 100, 1)),
        page.withNewer(List.of(entry("d", 400, 9)), 50));
    assertEquals(history(false, entry("c", 300, 3), entry("late", 200, 9), entry("b", 200, 2), entry("a", 100, 1)),
        page.withNewer(List.of(entry("late", 200, 9)), 50), "same time: the higher seq is newer");
    assertEquals(history(false, entry("c", 300, 3), entry("b", 200, 2), entry("a", 100, 1), entry("old", 50, 9)),
        page.withNewer(List.of(entry("old", 50, 9)), 50), "the whole history is here: the oldest goes last");
    assertEquals(history(false, entry("e", 500, 10), entry("d", 400, 9), entry("c", 300, 3), entry("b", 200, 2),
        entry("a", 100, 1)), page.withNewer(List.of(entry("d", 400, 9), entry("e", 500, 10)), 50));
  }

  @Test
  @DisplayName("the page keeps at most its size: a purchase older than a page with more beyond it is not on it")
  void thePageKeepsItsBounds() {
    HistoryPage full = history(false, entry("c", 300, 3), entry("b", 200, 2), entry("a", 100, 1));
    HistoryPage pushed = full.withNewer(List.of(entry("d", 400, 9)), 3);
    assertEquals(history(true, entry("d", 400, 9), entry("c", 300, 3), entry("b", 200, 2)), pushed,
        "the oldest leaves the page, and older ones now exist beyond it");
    assertEquals(pushed, pushed.withNewer(List.of(entry("old", 50, 10)), 3), "beyond the page: not on it");
    assertEquals(history(true, entry("d", 400, 9), entry("c", 300, 3), entry("mid", 250, 11)),
        pushed.withNewer(List.of(entry("mid", 250, 11)), 3));
    assertEquals(pushed, HistoryPage.decode(pushed.encode()), "and it is stored like any other");
  }

  @Test
  @DisplayName("lines are rendered with their keys in jsonb's order (length, then bytes), whatever order they came in")
  void linesInJsonbOrder() {
    io.vertx.core.json.JsonArray lines = new io.vertx.core.json.JsonArray().add(new JsonObject().put("sku", "S")
        .put("category", null).put("quantity", 2).put("amount", 300).put("labels", new io.vertx.core.json.JsonArray().add("x")));
    assertEquals("[{\"sku\":\"S\",\"amount\":300,\"labels\":[\"x\"],\"category\":null,\"quantity\":2}]",
        ((io.vertx.core.json.JsonArray) TransactionHistory.jsonbOrder(lines)).encode());
    Object ordered = TransactionHistory.jsonbOrder(lines);
    org.junit.jupiter.api.Assertions.assertSame(ordered, TransactionHistory.jsonbOrder(ordered),
        "already in order (as read from PostgreSQL): kept, not copied");
    assertEquals("{\"z\":1,\"ab\":2,\"é\":3}", ((JsonObject) TransactionHistory.jsonbOrder(
        new JsonObject().put("é", 3).put("ab", 2).put("z", 1))).encode(), "lengths in UTF-8 bytes, then bytes");
    HistoryPage.Entry e = TransactionHistory.entry(7, "t-1", java.time.Instant.parse("2026-12-07T10:00:00.123456Z"),
        300, "EUR", lines, 3);
    assertEquals("{\"transactionId\":\"t-1\",\"occurredAt\":\"2026-12-07T10:00:00.123456Z\",\"total\":300,"
        + "\"currency\":\"EUR\",\"items\":[{\"sku\":\"S\",\"amount\":300,\"labels\":[\"x\"],\"category\":null,"
        + "\"quantity\":2}],\"pointsEarned\":3}", e.item());
    assertEquals(new HistoryCursor(java.time.Instant.parse("2026-12-07T10:00:00.123456Z"), 7), e.at());
    assertEquals(null, TransactionHistory.entry(7, "t-1", java.time.Instant.parse("2026-12-07T10:00:00.1234567Z"),
        300, "EUR", lines, 3), "finer than a microsecond: PostgreSQL rounds it, so it is read back instead");
  }
}
