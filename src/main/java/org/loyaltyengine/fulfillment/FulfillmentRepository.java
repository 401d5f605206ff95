package org.loyaltyengine.fulfillment;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** The fulfillment queue, through the functions of V3__rewards_redemptions.sql and R__fulfillment.sql. */
public final class FulfillmentRepository {
  private static final String CLAIM = "select * from loyalty_claim_jobs($1, $2)";
  private static final String FULFIL_BATCH = "select * from loyalty_fulfil_batch($1, $2)";
  private static final String FAIL = "select * from loyalty_fail_redemption($1, $2)";
  private static final String RETRY = "select loyalty_retry_job($1, $2, $3, $4)";
  private static final String DEPTH = """
      select count(*) as depth, coalesce(extract(epoch from now() - min(created_at)), 0)::bigint as oldest_age_s
        from fulfillment_jobs where status <> 'done'""";

  private final Pool pool;

  public FulfillmentRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<List<FulfillmentJob>> claim(int limit, int leaseMs) {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(limit, leaseMs)).map(rows -> {
      List<FulfillmentJob> jobs = new ArrayList<>();
      for (Row r : rows) {
        jobs.add(new FulfillmentJob(r.getLong("id"), r.getUUID("tenant_id"), r.getString("redemption_id"),
            r.getString("partner_id"), r.getString("partner_sku"), r.getInteger("quantity"), r.getInteger("attempts")));
      }
      return jobs;
    });
  }

  /**
   * Fulfils the issued items of one partner batch in one statement (R__fulfillment.sql). Rows name the members
   * whose cached snapshots to fence; none for a job already settled.
   */
  public Future<RowSet<Row>> fulfilAll(List<Long> jobIds, List<List<String>> codes) {
    return pool.preparedQuery(FULFIL_BATCH).execute(Tuple.tuple().addArrayOfLong(jobIds.toArray(Long[]::new))
        .addArrayOfString(codes.stream().map(c -> new JsonArray(c).encode()).toArray(String[]::new)));
  }

  public Future<RowSet<Row>> fail(long jobId, String reason) {
    return pool.preparedQuery(FAIL).execute(Tuple.of(jobId, reason));
  }

  public Future<Void> retry(long jobId, long delayMs, String reason, boolean countAttempt) {
    return pool.preparedQuery(RETRY).execute(Tuple.of(jobId, (int) Math.min(delayMs, Integer.MAX_VALUE), reason, countAttempt))
        .mapEmpty();
  }

  /** One row: jobs not yet done ({@code depth}) and the oldest one's age in seconds ({@code oldest_age_s}). */
  public Future<Row> depth() {
    return pool.preparedQuery(DEPTH).execute().map(rows -> rows.iterator().next());
  }
}
