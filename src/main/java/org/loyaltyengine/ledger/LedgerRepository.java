package org.loyaltyengine.ledger;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.platform.Telemetry;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Every movement of points, through the ledger functions of {@code V2__earning_ledger.sql}: each call is
 * one statement, so one PostgreSQL transaction, and returns the stored outcome of an idempotent cause.
 */
public final class LedgerRepository {
  private static final String EARN = "select * from loyalty_earn($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      + "$11::text::jsonb, $12, $13, $14, $15::text::jsonb, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)";
  /** For this transaction only: the outbox rows it writes keep the trace (V15__outbox_traceparent.sql). */
  private static final String SET_TRACEPARENT = "select set_config('loyalty.traceparent', $1, true)";
  private static final String RETURN = "select * from loyalty_return($1, $2, $3, $4, $5, $6::text::jsonb, $7)";
  private static final String ADJUST = "select * from loyalty_adjust($1, $2, $3, $4, $5, $6, $7)";
  private static final String PAGE = """
      select id, kind, points, cause_type, cause_id, available_at, expires_at, created_at
        from ledger_entries where member_id = $1 and tenant_id = $2 and id < $3
       order by id desc limit $4""";
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
  public record Outcome(boolean created, String storedHash, JsonObject result, long snapshotVersion) {}

  private final Pool pool;

  public LedgerRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<Outcome> earn(Earning e) {
    return earn(pool, e);
  }

  /** The same on a given client, e.g. a transaction's connection that writes more in the same commit. */
  public Future<Outcome> earn(io.vertx.sqlclient.SqlClient client, Earning e) {
    Long[] lotPoints = e.lots().stream().map(Earning.Lot::points).toArray(Long[]::new);
    OffsetDateTime[] lotTimes = e.lots().stream().map(l -> utc(l.availableAt())).toArray(OffsetDateTime[]::new);
    Tuple args = Tuple.tuple()
        .addUUID(e.tenantId()).addLong(e.memberId()).addString(e.causeType()).addString(e.causeId())
        .addString(e.requestHash()).addOffsetDateTime(utc(e.occurredAt())).addLong(e.total())
        .addString(e.currency()).addString(e.kindOrType()).addString(e.storeId()).addString(e.payloadJson())
        .addArrayOfLong(lotPoints).addArrayOfOffsetDateTime(lotTimes).addOffsetDateTime(utc(e.expiresAt()))
        .addString(e.breakdownJson())
        .addArrayOfString(e.usage().stream().map(Earning.Usage::ruleId).toArray(String[]::new))
        .addArrayOfString(e.usage().stream().map(Earning.Usage::windowKey).toArray(String[]::new))
        .addArrayOfLong(e.usage().stream().map(Earning.Usage::points).toArray(Long[]::new))
        .addArrayOfLong(e.usage().stream().map(Earning.Usage::cap).toArray(Long[]::new))
        .addArrayOfString(e.budgets().stream().map(Earning.Budget::ruleId).toArray(String[]::new))
        .addArrayOfLong(e.budgets().stream().map(Earning.Budget::points).toArray(Long[]::new))
        .addArrayOfLong(e.budgets().stream().map(Earning.Budget::limit).toArray(Long[]::new))
        .addArrayOfString(e.tierCodes().toArray(String[]::new))
        .addArrayOfLong(e.tierThresholds().toArray(Long[]::new))
        .addInteger(e.tierWindowDays());
    String traceparent = Telemetry.traceparent();
    if (traceparent == null) {
      return client.preparedQuery(EARN).execute(args).map(LedgerRepository::outcome);
    }
    // A sampled trace (tracing is on): two statements in one transaction, so the earning's outbox event keeps
    // the traceparent and the relay's Kafka send joins this trace. Untraced earnings stay one statement.
    if (client instanceof Pool p) {
      return p.withTransaction(conn -> conn.preparedQuery(SET_TRACEPARENT).execute(Tuple.of(traceparent))
          .compose(v -> conn.preparedQuery(EARN).execute(args))).map(LedgerRepository::outcome);
    }
    // A caller's connection already inside its transaction (a fraud hold writes more in the same commit).
    return client.preparedQuery(SET_TRACEPARENT).execute(Tuple.of(traceparent))
        .compose(v -> client.preparedQuery(EARN).execute(args)).map(LedgerRepository::outcome);
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
