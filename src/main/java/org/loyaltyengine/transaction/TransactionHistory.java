package org.loyaltyengine.transaction;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.Timestamps;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A member's purchase transactions, newest first, one keyset page at a time. Items are rendered here (not by
 * PostgreSQL, whose jsonb text has spaces and whose timestamps carry {@code +00:00}), so the reply is compact
 * JSON with the API's one timestamp format.
 */
public final class TransactionHistory {
  private static final String COLUMNS = """
      select seq, transaction_id, occurred_at, total, currency, items, points_earned
        from transactions where member_id = $1 and tenant_id = $2""";
  private static final String FIRST_PAGE = COLUMNS + " order by occurred_at desc, seq desc limit $3";
  private static final String NEXT_PAGE = COLUMNS
      + " and (occurred_at, seq) < ($4, $5) order by occurred_at desc, seq desc limit $3";

  private static final String FIND = """
      select t.transaction_id, m.external_id, t.occurred_at, t.total, t.currency, t.channel, t.store_id, t.items,
             t.points_earned, t.points_pending, t.result -> 'breakdown' as breakdown, t.returned_amount,
             t.returned_points, t.created_at
        from transactions t join members m on m.id = t.member_id
       where t.tenant_id = $1 and t.transaction_id = $2""";

  /** The page's items, and where the next page starts (null on the last page). */
  public record Page(List<JsonObject> items, HistoryCursor next) {}

  private final Pool reads;

  public TransactionHistory(Pool reads) {
    this.reads = reads;
  }

  /**
   * One purchase by its id, for {@code GET /v1/transactions/{transactionId}}: what was bought, what it earned
   * (and by which rules) and how much of it was returned; empty when the tenant has no such transaction.
   */
  public Future<java.util.Optional<io.vertx.core.json.JsonObject>> find(UUID tenantId, String transactionId) {
    return reads.preparedQuery(FIND).execute(Tuple.of(tenantId, transactionId)).map(rows -> {
      if (rows.size() == 0) {
        return java.util.Optional.empty();
      }
      Row r = rows.iterator().next();
      Object breakdown = r.getValue("breakdown");
      return java.util.Optional.of(new io.vertx.core.json.JsonObject()
          .put("transactionId", r.getString("transaction_id"))
          .put("memberExternalId", r.getString("external_id"))
          .put("occurredAt", Timestamps.format(r.getOffsetDateTime("occurred_at")))
          .put("total", r.getLong("total"))
          .put("currency", r.getString("currency"))
          .put("channel", r.getString("channel"))
          .put("storeId", r.getString("store_id"))
          .put("items", r.getValue("items"))
          .put("pointsEarned", r.getLong("points_earned"))
          .put("pointsPending", r.getLong("points_pending"))
          .put("breakdown", breakdown == null ? new io.vertx.core.json.JsonArray() : breakdown)
          .put("returned", new io.vertx.core.json.JsonObject().put("amount", r.getLong("returned_amount"))
              .put("points", r.getLong("returned_points")))
          .put("recordedAt", Timestamps.format(r.getOffsetDateTime("created_at"))));
    });
  }

  public Future<Page> page(UUID tenantId, long memberId, HistoryCursor after, int limit) {
    // one extra row tells whether another page exists
    Future<RowSet<Row>> rows = after == null
        ? reads.preparedQuery(FIRST_PAGE).execute(Tuple.of(memberId, tenantId, limit + 1))
        : reads.preparedQuery(NEXT_PAGE).execute(Tuple.of(memberId, tenantId, limit + 1,
            after.occurredAt().atOffset(ZoneOffset.UTC), after.seq()));
    return rows.map(set -> {
      List<JsonObject> items = new ArrayList<>(limit);
      HistoryCursor last = null;
      for (Row r : set) {
        if (items.size() == limit) {
          return new Page(items, last);
        }
        last = new HistoryCursor(r.getOffsetDateTime("occurred_at").toInstant(), r.getLong("seq"));
        items.add(item(r.getString("transaction_id"), last.occurredAt(), r.getLong("total"), r.getString("currency"),
            r.getValue("items"), r.getLong("points_earned")));
      }
      return new Page(items, null);
    });
  }

  /**
   * One history item as the API shows it. Its lines' keys come in the order PostgreSQL's jsonb keeps them
   * (shorter keys first, then by their bytes), so an item rendered from the stored row and one rendered from
   * the request that wrote it ({@link #entry}) are the same bytes.
   */
  private static JsonObject item(String transactionId, java.time.Instant occurredAt, long total, String currency,
                                 Object items, long pointsEarned) {
    return new JsonObject()
        .put("transactionId", transactionId)
        .put("occurredAt", Timestamps.format(occurredAt))
        .put("total", total)
        .put("currency", currency)
        .put("items", jsonbOrder(items))
        .put("pointsEarned", pointsEarned);
  }

  /**
   * A purchase just written, as an item of its member's stored history (HistoryPage#withNewer): rendered as a
   * history read renders it from the stored row. Null for a time finer than PostgreSQL keeps (a microsecond):
   * how it was rounded is the database's business, so such a history is read back instead.
   */
  public static HistoryPage.Entry entry(long seq, String transactionId, java.time.Instant occurredAt, long total,
                                        String currency, io.vertx.core.json.JsonArray items, long pointsEarned) {
    if (occurredAt.getNano() % 1_000 != 0) {
      return null;
    }
    return new HistoryPage.Entry(item(transactionId, occurredAt, total, currency, items, pointsEarned).encode(),
        new HistoryCursor(occurredAt, seq));
  }

  /** {@link #entry} of purchase {@code p}, stored with {@code seq}, which earned {@code pointsEarned}. */
  public static HistoryPage.Entry entry(long seq, org.loyaltyengine.rules.Purchase p, long pointsEarned) {
    return entry(seq, p.transactionId(), p.occurredAt(), p.total(), p.currency(), PurchaseJson.items(p), pointsEarned);
  }

  /**
   * {@code value} with every object's keys in jsonb's order: by length in UTF-8 bytes, then bytewise. A value
   * already in that order (every one read from PostgreSQL) is returned as it is, without a copy.
   */
  static Object jsonbOrder(Object value) {
    return inJsonbOrder(value) ? value : reordered(value);
  }

  private static boolean inJsonbOrder(Object value) {
    if (value instanceof io.vertx.core.json.JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        if (!inJsonbOrder(a.getValue(i))) {
          return false;
        }
      }
      return true;
    }
    if (value instanceof JsonObject o) {
      String previous = null;
      for (java.util.Map.Entry<String, Object> e : o) {
        if ((previous != null && JSONB_KEYS.compare(previous, e.getKey()) > 0) || !inJsonbOrder(e.getValue())) {
          return false;
        }
        previous = e.getKey();
      }
    }
    return true;
  }

  private static Object reordered(Object value) {
    if (value instanceof io.vertx.core.json.JsonArray a) {
      io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray(new ArrayList<>(a.size()));
      a.forEach(v -> out.add(reordered(v)));
      return out;
    }
    if (value instanceof JsonObject o) {
      List<String> keys = new ArrayList<>(o.fieldNames());
      keys.sort(JSONB_KEYS);
      JsonObject out = new JsonObject(new java.util.LinkedHashMap<>(keys.size() * 2));
      keys.forEach(k -> out.put(k, reordered(o.getValue(k))));
      return out;
    }
    return value;
  }

  private static final java.util.Comparator<String> JSONB_KEYS = (a, b) -> {
    if (isAscii(a) && isAscii(b)) { // one byte per char: compare the chars, no byte arrays
      return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
    }
    byte[] x = a.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] y = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return x.length != y.length ? Integer.compare(x.length, y.length) : java.util.Arrays.compareUnsigned(x, y);
  };

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /**
   * The read model's history, from its rows: newest first, up to {@code max + 1} of
   * {@code [seq, transactionId, occurredAt µs, total, currency, items, pointsEarned]} (the extra one tells whether
   * older transactions exist) — each item rendered as {@link #page} renders it.
   */
  public static HistoryPage newest(io.vertx.core.json.JsonArray rows, int max) {
    List<String> items = new ArrayList<>();
    List<String> cursors = new ArrayList<>();
    for (int i = 0; i < rows.size() && i < max; i++) {
      io.vertx.core.json.JsonArray r = rows.getJsonArray(i);
      HistoryCursor at = new HistoryCursor(
          java.time.Instant.EPOCH.plus(r.getLong(2), java.time.temporal.ChronoUnit.MICROS), r.getLong(0));
      items.add(item(r.getString(1), at.occurredAt(), r.getLong(3), r.getString(4), r.getValue(5), r.getLong(6)).encode());
      cursors.add(at.encode());
    }
    return new HistoryPage(items, cursors, rows.size() > max);
  }
}
