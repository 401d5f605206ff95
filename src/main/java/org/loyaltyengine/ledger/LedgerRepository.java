package org.loyaltyengine.ledger;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.GroupCommitter;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.platform.Telemetry;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Every movement of points, through the ledger functions ({@code R__earning.sql} for earnings, {@code V2} for
 * returns and adjustments): each call is one statement, so one PostgreSQL transaction, and returns the stored
 * outcome of an idempotent cause.
 */
public final class LedgerRepository {
  /** Every earning, alone or in a batch: R__earning.sql. */
  private static final String APPLY = "select * from loyalty_apply_earnings($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      + "$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)";
  /** For this transaction only: the outbox rows it writes keep the trace (V15__outbox_traceparent.sql). */
  private static final String SET_TRACEPARENT = "select set_config('loyalty.traceparent', $1, true)";
  private static final String RETURN = "select * from loyalty_return($1, $2, $3, $4, $5, $6::text::jsonb, $7)";
  private static final String ADJUST = "select * from loyalty_adjust($1, $2, $3, $4, $5, $6, $7)";
  private static final String PAGE = """
      select id, kind, points, cause_type, cause_id, available_at, expires_at, created_at
        from ledger_entries where member_id = $1 and tenant_id = $2 and id < $3
       order by id desc limit $4""";
  private static final String STORED_EARNING = """
      select request_hash, result from transactions where tenant_id = $1 and transaction_id = $2 and $3 = 'transaction'
      union all
      select request_hash, result from member_events where tenant_id = $1 and event_id = $2 and $3 = 'event'""";
  private static final String RELEASE_DUE = "select * from loyalty_release_due($1)";
  private static final String EXPIRE_DUE = "select * from loyalty_expire_due($1)";

  /** SQLSTATEs raised by the ledger functions. */
  public static final String INSUFFICIENT_POINTS = "LY001";
  public static final String CAP_MOVED = "LY002";
  public static final String BUDGET_MOVED = "LY003";
  public static final String RETURN_RACED = "LY004";
  public static final String RETURN_EXCEEDS_PURCHASE = "LY005";

  /**
   * What a write did: {@code created}, or {@code duplicate} of an earlier request with the same id, whose
   * stored request hash and result come back so the caller can answer 200 or 409.
   */
  public record Outcome(boolean created, String storedHash, JsonObject result, long snapshotVersion,
                        HistoryPosition history) {
    public Outcome(boolean created, String storedHash, JsonObject result, long snapshotVersion) {
      this(created, storedHash, result, snapshotVersion, null);
    }
  }

  /**
   * Where a purchase just written stands in its member's history: its keyset {@code seq} and the member's
   * {@code history_version} with it and every purchase before it (V21), so the read model can add it to the
   * history it holds instead of reading the newest transactions again.
   */
  public record HistoryPosition(long seq, long historyVersion) {}

  private final Pool pool;
  /** Gathers concurrent earnings into batches; null: each earning is its own statement and commit. */
  private GroupCommitter<Earning, Outcome> committer;

  public LedgerRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * From now on, concurrent earnings are group-committed: gathered per tenant and lane (the member's id modulo
   * {@code settings.lanes()}, so one member's earnings never race each other on this node) into one
   * {@code loyalty_apply_earnings} statement and one commit. Call on the event loop that will use it.
   */
  public LedgerRepository gatherEarnings(GroupCommitter.Settings settings, GroupCommitter.Timer timer,
                                         GroupCommitter.Observer observer) {
    int lanes = settings.lanes();
    committer = new GroupCommitter<>(settings, timer,
        e -> new Lane(e.tenantId(), (int) Math.floorMod(e.memberId(), (long) lanes)), EarningBatch::compatible,
        batch -> applyEarnings(pool, EarningBatch.of(batch)), e -> earn(pool, e), observer);
    return this;
  }

  private record Lane(UUID tenantId, int index) {}

  /**
   * Applies one earning in its own commit: group-committed with concurrent ones when {@link #gatherEarnings}
   * was called, except a sampled trace's (a batch's statement cannot be a child of every request's trace).
   */
  public Future<Outcome> earn(Earning e) {
    return committer == null || Telemetry.traceparent() != null ? earn(pool, e) : committer.submit(e);
  }

  /**
   * Applies one earning on {@code client}, e.g. a transaction's connection that writes more in the same commit
   * (a fraud hold) or the pool (its own commit). A sampled trace's earning is applied this way too, with the
   * trace kept on its outbox event. Concurrent earnings are gathered into batches by {@link EarningCommitter}.
   */
  public Future<Outcome> earn(io.vertx.sqlclient.SqlClient client, Earning e) {
    EarningBatch batch = EarningBatch.of(List.of(e));
    String traceparent = Telemetry.traceparent();
    if (traceparent == null) {
      return applyEarnings(client, batch).map(o -> o.get(0));
    }
    // A sampled trace (tracing is on): two statements in one transaction, so the earning's outbox event keeps
    // the traceparent and the relay's Kafka send joins this trace.
    if (client instanceof Pool p) {
      return p.withTransaction(conn -> conn.preparedQuery(SET_TRACEPARENT).execute(Tuple.of(traceparent))
          .compose(v -> applyEarnings(conn, batch))).map(o -> o.get(0));
    }
    // A caller's connection already inside its transaction (a fraud hold writes more in the same commit).
    return client.preparedQuery(SET_TRACEPARENT).execute(Tuple.of(traceparent))
        .compose(v -> applyEarnings(client, batch)).map(o -> o.get(0));
  }

  /**
   * Applies a batch in one statement: one outcome per earning, in order, created or duplicate; when one is a
   * duplicate (a replay) nothing else was applied and the others' entries are {@code null}: send them again.
   */
  public Future<List<Outcome>> applyEarnings(io.vertx.sqlclient.SqlClient client, EarningBatch batch) {
    int n = batch.earnings().size();
    return client.preparedQuery(APPLY).execute(applyArgs(batch)).map(rows -> {
      List<Outcome> outcomes = new ArrayList<>(Collections.nCopies(n, (Outcome) null));
      for (Row r : rows) {
        Long version = r.getLong("o_version");
        Long seq = r.getLong("o_seq");
        Long history = r.getLong("o_history");
        outcomes.set(r.getInteger("o_item") - 1, new Outcome("created".equals(r.getString("o_outcome")),
            r.getString("o_hash"), (JsonObject) r.getValue("o_result"), version == null ? 0 : version,
            seq == null || history == null ? null : new HistoryPosition(seq, history)));
      }
      return outcomes;
    });
  }

  /** The 27 arguments of {@code loyalty_apply_earnings}, in order (the ingestion appends its own after them). */
  public static Tuple applyArgs(EarningBatch batch) {
    List<Earning> earnings = batch.earnings();
    int n = earnings.size();
    Long[] members = new Long[n];
    String[] causeTypes = new String[n];
    String[] causeIds = new String[n];
    String[] hashes = new String[n];
    OffsetDateTime[] occurred = new OffsetDateTime[n];
    Long[] totals = new Long[n];
    String[] currencies = new String[n];
    String[] kinds = new String[n];
    String[] stores = new String[n];
    String[] payloads = new String[n];
    String[] breakdowns = new String[n];
    OffsetDateTime[] expires = new OffsetDateTime[n];
    List<Integer> lotItems = new ArrayList<>();
    List<Long> lotPoints = new ArrayList<>();
    List<OffsetDateTime> lotAvailable = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Earning e = earnings.get(i);
      members[i] = e.memberId();
      causeTypes[i] = e.causeType();
      causeIds[i] = e.causeId();
      hashes[i] = e.requestHash();
      occurred[i] = utc(e.occurredAt());
      totals[i] = e.total();
      currencies[i] = e.currency();
      kinds[i] = e.kindOrType();
      stores[i] = e.storeId();
      payloads[i] = e.payloadJson();
      breakdowns[i] = e.breakdownJson();
      expires[i] = utc(e.expiresAt());
      for (Earning.Lot lot : e.lots()) {
        lotItems.add(i + 1);
        lotPoints.add(lot.points());
        lotAvailable.add(utc(lot.availableAt()));
      }
    }
    List<EarningBatch.Counter> counters = batch.counters();
    return Tuple.tuple().addUUID(batch.tenantId())
        .addArrayOfLong(members).addArrayOfString(causeTypes).addArrayOfString(causeIds).addArrayOfString(hashes)
        .addArrayOfOffsetDateTime(occurred).addArrayOfLong(totals).addArrayOfString(currencies)
        .addArrayOfString(kinds).addArrayOfString(stores).addArrayOfString(payloads).addArrayOfString(breakdowns)
        .addArrayOfOffsetDateTime(expires)
        .addArrayOfInteger(lotItems.toArray(Integer[]::new)).addArrayOfLong(lotPoints.toArray(Long[]::new))
        .addArrayOfOffsetDateTime(lotAvailable.toArray(OffsetDateTime[]::new))
        .addArrayOfLong(counters.stream().map(EarningBatch.Counter::memberId).toArray(Long[]::new))
        .addArrayOfString(counters.stream().map(EarningBatch.Counter::ruleId).toArray(String[]::new))
        .addArrayOfString(counters.stream().map(EarningBatch.Counter::windowKey).toArray(String[]::new))
        .addArrayOfLong(counters.stream().map(EarningBatch.Counter::points).toArray(Long[]::new))
        .addArrayOfLong(counters.stream().map(EarningBatch.Counter::cap).toArray(Long[]::new))
        .addArrayOfString(batch.budgets().stream().map(Earning.Budget::ruleId).toArray(String[]::new))
        .addArrayOfLong(batch.budgets().stream().map(Earning.Budget::points).toArray(Long[]::new))
        .addArrayOfLong(batch.budgets().stream().map(Earning.Budget::limit).toArray(Long[]::new))
        .addArrayOfString(batch.tierCodes().toArray(String[]::new))
        .addArrayOfLong(batch.tierThresholds().toArray(Long[]::new))
        .addInteger(batch.tierWindowDays());
  }

  /** The stored reply of an earning already written under this id ({@code transaction} or {@code event}), if any. */
  public Future<java.util.Optional<Outcome>> storedEarning(UUID tenantId, String causeType, String causeId) {
    return pool.preparedQuery(STORED_EARNING).execute(Tuple.of(tenantId, causeId, causeType)).map(rows -> {
      if (rows.size() == 0) {
        return java.util.Optional.empty();
      }
      Row r = rows.iterator().next();
      return java.util.Optional.of(new Outcome(false, r.getString("request_hash"), (JsonObject) r.getValue("result"), 0));
    });
  }

  public Future<Outcome> recordReturn(UUID tenantId, String transactionId, String returnId, String requestHash,
                                      long amount, String returnedQuantitiesJson, long expectedReturnedAmount) {
    return pool.preparedQuery(RETURN)
        .execute(Tuple.of(tenantId, transactionId, returnId, requestHash, amount, returnedQuantitiesJson,
            expectedReturnedAmount))
        .map(LedgerRepository::outcome)
        .recover(err -> isState(err, RETURN_EXCEEDS_PURCHASE)
            ? Future.failedFuture(new Rejection(Rejection.Kind.UNPROCESSABLE, "return_exceeds_purchase",
                "returns may not exceed what was bought", null))
            : Future.failedFuture(err));
  }

  public Future<Outcome> adjust(UUID tenantId, long memberId, String adjustmentId, String requestHash, long points,
                                String reason, Instant expiresAt) {
    return pool.preparedQuery(ADJUST)
        .execute(Tuple.of(tenantId, memberId, adjustmentId, requestHash, points, reason, utc(expiresAt)))
        .map(LedgerRepository::outcome)
        .recover(err -> isState(err, INSUFFICIENT_POINTS)
            ? Future.failedFuture(new Rejection(Rejection.Kind.UNPROCESSABLE, "insufficient_points",
                "the member's available points do not cover this debit", "points"))
            : Future.failedFuture(err));
  }

  /** Newest first; {@code beforeId} is exclusive ({@code Long.MAX_VALUE} for the first page). */
  public Future<JsonArray> page(UUID tenantId, long memberId, long beforeId, int limit) {
    return pool.preparedQuery(PAGE).execute(Tuple.of(memberId, tenantId, beforeId, limit)).map(rows -> {
      JsonArray items = new JsonArray();
      for (Row r : rows) {
        items.add(new JsonObject()
            .put("entryId", r.getLong("id"))
            .put("kind", r.getString("kind"))
            .put("points", r.getLong("points"))
            .put("cause", new JsonObject().put("type", r.getString("cause_type")).put("id", r.getString("cause_id")))
            .put("availableAt", iso(r.getOffsetDateTime("available_at")))
            .put("expiresAt", iso(r.getOffsetDateTime("expires_at")))
            .put("createdAt", iso(r.getOffsetDateTime("created_at"))));
      }
      return items;
    });
  }

  /** Releases due pending lots for up to {@code memberLimit} members; a row per member touched. */
  public Future<RowSet<Row>> releaseDue(int memberLimit) {
    return pool.preparedQuery(RELEASE_DUE).execute(Tuple.of(memberLimit));
  }

  /** Expires due lots for up to {@code memberLimit} members. */
  public Future<RowSet<Row>> expireDue(int memberLimit) {
    return pool.preparedQuery(EXPIRE_DUE).execute(Tuple.of(memberLimit));
  }

  public static boolean isState(Throwable err, String sqlState) {
    return err instanceof PgException pg && sqlState.equals(pg.getSqlState());
  }

  private static Outcome outcome(RowSet<Row> rows) {
    Row r = rows.iterator().next();
    Long version = r.getLong("snapshot_version");
    return new Outcome("created".equals(r.getString("outcome")), r.getString("stored_hash"),
        (JsonObject) r.getValue("result"), version == null ? 0 : version);
  }

  private static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }

  private static String iso(OffsetDateTime t) {
    return org.loyaltyengine.platform.Timestamps.format(t);
  }
}
