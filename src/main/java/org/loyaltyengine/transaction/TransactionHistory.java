package org.loyaltyengine.transaction;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.ZoneOffset;
import java.util.UUID;

/** A member's purchase transactions, newest first, one keyset page at a time. */
public final class TransactionHistory {
  private static final String COLUMNS = "select transaction_id, occurred_at, total, currency, items, points_earned, seq"
      + " from transactions where member_id = $1 and tenant_id = $2";
  private static final String FIRST_PAGE = COLUMNS + " order by occurred_at desc, seq desc limit $3";
  private static final String NEXT_PAGE = COLUMNS
      + " and (occurred_at, seq) < ($4, $5) order by occurred_at desc, seq desc limit $3";

  public record Page(JsonArray items, HistoryCursor next) {}

  private final Pool reads;

  public TransactionHistory(Pool reads) {
    this.reads = reads;
  }

  public Future<Page> page(UUID tenantId, long memberId, HistoryCursor after, int limit) {
    // one extra row tells whether another page exists
    Future<RowSet<Row>> rows = after == null
        ? reads.preparedQuery(FIRST_PAGE).execute(Tuple.of(memberId, tenantId, limit + 1))
        : reads.preparedQuery(NEXT_PAGE).execute(Tuple.of(memberId, tenantId, limit + 1,
            after.occurredAt().atOffset(ZoneOffset.UTC), after.seq()));
    return rows.map(set -> {
      JsonArray items = new JsonArray();
      HistoryCursor last = null;
      int n = 0;
      for (Row r : set) {
        if (n++ == limit) {
          return new Page(items, last);
        }
        var occurredAt = r.getOffsetDateTime("occurred_at").toInstant();
        last = new HistoryCursor(occurredAt, r.getLong("seq"));
        items.add(new JsonObject()
            .put("transactionId", r.getString("transaction_id"))
            .put("occurredAt", occurredAt.toString())
            .put("total", r.getLong("total"))
            .put("currency", r.getString("currency"))
            .put("items", r.getValue("items"))
            .put("pointsEarned", r.getLong("points_earned")));
      }
      return new Page(items, null);
    });
  }
}
