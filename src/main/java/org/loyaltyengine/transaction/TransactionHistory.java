package org.loyaltyengine.transaction;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A member's purchase transactions, newest first, one keyset page at a time. PostgreSQL renders each item
 * as JSON text, so the stored line items pass through without being decoded and encoded again here.
 */
public final class TransactionHistory {
  // Timestamps are written like java.time.Instant#toString: no fraction, or 3 or 6 digits of it.
  private static final String COLUMNS = """
      select seq, occurred_at, json_build_object(
               'transactionId', transaction_id,
               'occurredAt', to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                 || case when extract(microseconds from occurred_at)::bigint % 1000000 = 0 then ''
                         when extract(microseconds from occurred_at)::bigint % 1000 = 0
                           then to_char(occurred_at at time zone 'UTC', '.MS')
                         else to_char(occurred_at at time zone 'UTC', '.US') end || 'Z',
               'total', total, 'currency', currency, 'items', items, 'pointsEarned', points_earned)::text as item
        from transactions where member_id = $1 and tenant_id = $2""";
  private static final String FIRST_PAGE = COLUMNS + " order by occurred_at desc, seq desc limit $3";
  private static final String NEXT_PAGE = COLUMNS
      + " and (occurred_at, seq) < ($4, $5) order by occurred_at desc, seq desc limit $3";

  /** The page's items as JSON texts, and where the next page starts (null on the last page). */
  public record Page(List<String> itemsJson, HistoryCursor next) {}

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
      List<String> items = new ArrayList<>(limit);
      HistoryCursor last = null;
      for (Row r : set) {
        if (items.size() == limit) {
          return new Page(items, last);
        }
        last = new HistoryCursor(r.getOffsetDateTime("occurred_at").toInstant(), r.getLong("seq"));
        items.add(r.getString("item"));
      }
      return new Page(items, null);
    });
  }
}
