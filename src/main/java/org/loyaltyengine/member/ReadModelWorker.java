package org.loyaltyengine.member;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Fills the read model with every member's document when Redis does not hold it complete — at the first start,
 * after Redis was flushed or restarted empty — so that reads never fall off a cold-cache cliff. Run by one node
 * at a time (the ledger jobs' lease). Documents only move forward, so a warm-up racing writes never puts an
 * older document over a newer one; members enrolled meanwhile get theirs from their first write or read.
 */
public final class ReadModelWorker {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReadModelWorker.class);
  private static final String MEMBERS_AFTER =
      "select id, tenant_id, external_id from members where id > $1 order by id limit $2";

  private final Pool pool;
  private final MemberLookup views;
  private final int chunk;

  public ReadModelWorker(Pool pool, MemberLookup views, int chunk) {
    this.pool = pool;
    this.views = views;
    this.chunk = chunk;
  }

  /**
   * Warms the read model unless it is complete. With Redis unreachable there is nothing to warm (reads go to
   * PostgreSQL): the next tick asks again. A warm-up that Redis fails midway fails, to start again next tick.
   */
  public Future<Void> runIfIncomplete() {
    return views.store().isComplete().otherwise(true)
        .compose(complete -> complete ? Future.succeededFuture() : warmAll());
  }

  private Future<Void> warmAll() {
    String token = UUID.randomUUID().toString();
    long started = System.nanoTime();
    log.info("event=read_model_warm_up_started");
    return views.store().beginWarmUp(token)
        .compose(v -> from(0L, 0L))
        .compose(count -> views.store().endWarmUp(token).map(complete -> {
          log.info("event=read_model_warm_up_done members={} seconds={} complete={}", count,
              (System.nanoTime() - started) / 1_000_000_000.0, complete);
          return null;
        }));
  }

  private Future<Long> from(long afterId, long count) {
    return pool.preparedQuery(MEMBERS_AFTER).execute(Tuple.of(afterId, chunk)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(count);
      }
      long last = afterId;
      for (Row r : rows) {
        last = r.getLong("id"); // rows come in id order
      }
      long next = last;
      List<Future<Boolean>> stored = new ArrayList<>();
      MemberLookup.byTenant(rows).forEach((tenantId, ids) -> stored.add(views.warm(tenantId, ids)));
      long total = count + rows.size();
      return Future.all(stored).compose(all -> {
        if (stored.stream().anyMatch(f -> !f.result())) {
          return Future.failedFuture("Redis did not take the documents; the warm-up starts again on the next tick");
        }
        return rows.size() < chunk ? Future.succeededFuture(total) : from(next, total);
      });
    });
  }
}
