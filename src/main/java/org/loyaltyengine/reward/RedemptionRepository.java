package org.loyaltyengine.reward;

import org.loyaltyengine.platform.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.ledger.LedgerRepository;
import org.loyaltyengine.platform.GroupCommitter;
import org.loyaltyengine.platform.Rejection;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Redemptions: {@code loyalty_redeem} (R__redemptions.sql) for each, group-committed when
 * {@link #gatherRedemptions} was called ({@code loyalty_redeem_batch}, R__redemptions.sql), and their status.
 */
public final class RedemptionRepository {
  private static final String REDEEM = "select * from loyalty_redeem($1, $2, $3, $4, $5, $6)";
  private static final String REDEEM_BATCH = "select * from loyalty_redeem_batch($1, $2, $3, $4, $5, $6)";
  /** Each redemption of a batch is a subtransaction: more than 64 in one transaction overflow its subxid cache. */
  static final int MAX_BATCH = 60;
  private static final String FIND = """
      select d.redemption_id, m.external_id, d.reward_id, d.quantity, d.status, d.points_spent, d.codes,
             d.failure_reason, d.points_refunded, d.history, d.created_at, d.updated_at
        from redemptions d join members m on m.id = d.member_id
       where d.tenant_id = $1 and d.redemption_id = $2""";

  private static final String COLUMNS = """
      select d.redemption_id, m.external_id, d.reward_id, d.quantity, d.status, d.points_spent, d.codes,
             d.failure_reason, d.points_refunded, d.history, d.created_at, d.updated_at
        from redemptions d join members m on m.id = d.member_id
       where d.tenant_id = $1 and d.member_id = $2""";
  // newest first; the redemptions_by_member index (V14) serves both
  private static final String MEMBER_FIRST_PAGE = COLUMNS
      + " order by d.created_at desc, d.redemption_id desc limit $3";
  private static final String MEMBER_NEXT_PAGE = COLUMNS
      + " and (d.created_at, d.redemption_id) < ($4, $5) order by d.created_at desc, d.redemption_id desc limit $3";

  /** The refusals {@code loyalty_redeem} raises, by SQLSTATE. */
  private static final Map<String, Rejection> REFUSALS = Map.of(
      LedgerRepository.INSUFFICIENT_POINTS, new Rejection(Rejection.Kind.UNPROCESSABLE, "insufficient_points",
          "the member's available points do not cover this redemption", "quantity"),
      "LY101", new Rejection(Rejection.Kind.CONFLICT, "out_of_stock", "not enough of this reward is left", "quantity"),
      "LY102", new Rejection(Rejection.Kind.CONFLICT, "limit_reached", "the member's limit for this reward is reached", "quantity"),
      "LY103", new Rejection(Rejection.Kind.UNPROCESSABLE, "reward_inactive",
          "this reward cannot be redeemed now (inactive, outside its dates, or not for the member's tier)", "rewardId"),
      "LY104", new Rejection(Rejection.Kind.UNPROCESSABLE, "member_blocked", "the member is blocked", "memberExternalId"),
      "LY105", new Rejection(Rejection.Kind.NOT_FOUND, "member_not_found", "no such member", "memberExternalId"),
      "LY106", new Rejection(Rejection.Kind.NOT_FOUND, "reward_not_found", "no such reward", "rewardId"));

  /** The write's outcome, plus the member whose cached snapshot must be fenced. */
  public record Redeemed(LedgerRepository.Outcome outcome, String memberExternalId) {}

  /** A redemption as the API asked for it. */
  private record Request(UUID tenantId, String redemptionId, String requestHash, String memberExternalId,
                         String rewardId, int quantity) {}

  /** A redemption's result in a batch: redeemed, or refused with the same rejection as alone. */
  private record Attempt(Redeemed redeemed, Rejection refused) {}

  private record Lane(UUID tenantId, int index) {}

  private final Pool pool;
  /** Gathers concurrent redemptions into batches; null: each is its own statement and commit. */
  private GroupCommitter<Request, Attempt> committer;

  public RedemptionRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * From now on, concurrent redemptions are group-committed (docs/rewards.md): per tenant and lane (the member's
   * external id's hash modulo the lanes), at most {@link #MAX_BATCH} per statement. Call on the event loop
   * that will use it.
   */
  public RedemptionRepository gatherRedemptions(GroupCommitter.Settings settings, GroupCommitter.Timer timer,
                                                GroupCommitter.Observer observer) {
    GroupCommitter.Settings s = new GroupCommitter.Settings(Math.min(settings.maxBatch(), MAX_BATCH),
        settings.windowMs(), settings.lanes(), settings.maxQueued());
    committer = new GroupCommitter<>(s, timer,
        r -> new Lane(r.tenantId(), Math.floorMod(r.memberExternalId().hashCode(), s.lanes())),
        (a, b) -> a.tenantId().equals(b.tenantId()), this::applyBatch,
        r -> redeem(pool, r.tenantId(), r.redemptionId(), r.requestHash(), r.memberExternalId(), r.rewardId(),
            r.quantity()).map(done -> new Attempt(done, null)), observer);
    return this;
  }

  public Future<Redeemed> redeem(UUID tenantId, String redemptionId, String requestHash, String memberExternalId,
                                 String rewardId, int quantity) {
    if (committer == null) {
      return redeem(pool, tenantId, redemptionId, requestHash, memberExternalId, rewardId, quantity);
    }
    return committer.submit(new Request(tenantId, redemptionId, requestHash, memberExternalId, rewardId, quantity))
        .compose(a -> a.refused() != null ? Future.failedFuture(a.refused()) : Future.succeededFuture(a.redeemed()));
  }

  /**
   * One statement for the batch: each redemption's reply or refusal; one that failed otherwise (a deadlock
   * between batches, ...) is handed back and tried again.
   */
  private Future<java.util.List<Attempt>> applyBatch(java.util.List<Request> batch) {
    Tuple args = Tuple.tuple().addUUID(batch.get(0).tenantId())
        .addArrayOfString(batch.stream().map(Request::redemptionId).toArray(String[]::new))
        .addArrayOfString(batch.stream().map(Request::requestHash).toArray(String[]::new))
        .addArrayOfString(batch.stream().map(Request::memberExternalId).toArray(String[]::new))
        .addArrayOfString(batch.stream().map(Request::rewardId).toArray(String[]::new))
        .addArrayOfInteger(batch.stream().map(Request::quantity).toArray(Integer[]::new));
    return pool.preparedQuery(REDEEM_BATCH).execute(args).map(rows -> {
      java.util.List<Attempt> attempts = new java.util.ArrayList<>(java.util.Collections.nCopies(batch.size(), (Attempt) null));
      for (Row r : rows) {
        int item = r.getInteger("o_item") - 1;
        if ("failed".equals(r.getString("o_outcome"))) {
          Rejection refusal = REFUSALS.get(r.getString("o_error"));
          attempts.set(item, refusal == null ? null : new Attempt(null, refusal));
        } else {
          Long version = r.getLong("o_version");
          attempts.set(item, new Attempt(new Redeemed(new LedgerRepository.Outcome("created".equals(r.getString("o_outcome")),
              r.getString("o_hash"), (JsonObject) r.getValue("o_result"), version == null ? 0 : version),
              r.getString("o_external_id")), null));
        }
      }
      return attempts;
    });
  }

  /**
   * Whether {@code err} is a redemption whose id a concurrent request committed first ({@code loyalty_redeem}
   * raised LY107 and undid everything it did): the request is answered from that one's stored reply, which a
   * new attempt finds before any other check.
   */
  public static boolean appliedConcurrently(Throwable err) {
    return LedgerRepository.isState(err, "LY107");
  }

  /**
   * The same on a given client, e.g. a transaction's connection that writes more in the same commit (which then
   * fails with {@link #appliedConcurrently} for a concurrent duplicate: its caller starts again). On a pool, a
   * concurrent duplicate is answered here, from the stored reply.
   */
  public Future<Redeemed> redeem(io.vertx.sqlclient.SqlClient client, UUID tenantId, String redemptionId,
                                 String requestHash, String memberExternalId, String rewardId, int quantity) {
    Future<Redeemed> once = redeemOnce(client, tenantId, redemptionId, requestHash, memberExternalId, rewardId, quantity);
    if (!(client instanceof Pool)) {
      return once;
    }
    return once.recover(err -> appliedConcurrently(err)
        ? redeemOnce(client, tenantId, redemptionId, requestHash, memberExternalId, rewardId, quantity)
        : Future.failedFuture(err));
  }

  private Future<Redeemed> redeemOnce(io.vertx.sqlclient.SqlClient client, UUID tenantId, String redemptionId,
                                      String requestHash, String memberExternalId, String rewardId, int quantity) {
    return client.preparedQuery(REDEEM)
        .execute(Tuple.of(tenantId, redemptionId, requestHash, memberExternalId, rewardId, quantity))
        .map(rows -> {
          Row r = rows.iterator().next();
          Long version = r.getLong("snapshot_version");
          return new Redeemed(new LedgerRepository.Outcome("created".equals(r.getString("outcome")),
              r.getString("stored_hash"), (JsonObject) r.getValue("result"), version == null ? 0 : version),
              r.getString("external_id"));
        })
        .recover(err -> {
          for (Map.Entry<String, Rejection> refusal : REFUSALS.entrySet()) {
            if (LedgerRepository.isState(err, refusal.getKey())) {
              return Future.failedFuture(refusal.getValue());
            }
          }
          return Future.failedFuture(err);
        });
  }

  public Future<Optional<JsonObject>> find(UUID tenantId, String redemptionId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId, redemptionId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      return Optional.of(json(rows.iterator().next()));
    });
  }

  /**
   * One member's redemptions, newest first: {@code {"items": [<as GET /v1/redemptions/{id}>], "nextCursor"}}.
   * The cursor holds the last item's (createdAt in microseconds, redemptionId).
   */
  public Future<JsonObject> forMember(UUID tenantId, long memberId, String cursor, int limit) {
    java.util.List<String> after = org.loyaltyengine.http.KeysetCursor.decode(cursor, 2);
    Future<io.vertx.sqlclient.RowSet<Row>> rows;
    if (after == null) {
      rows = pool.preparedQuery(MEMBER_FIRST_PAGE).execute(Tuple.of(tenantId, memberId, limit + 1));
    } else {
      java.time.OffsetDateTime createdAt;
      try {
        createdAt = java.time.Instant.EPOCH.plus(Long.parseLong(after.get(0)), java.time.temporal.ChronoUnit.MICROS)
            .atOffset(java.time.ZoneOffset.UTC);
      } catch (RuntimeException e) {
        throw new Rejection(Rejection.Kind.INVALID, "invalid_cursor", "cursor is not one this API returned", "cursor");
      }
      rows = pool.preparedQuery(MEMBER_NEXT_PAGE).execute(Tuple.of(tenantId, memberId, limit + 1, createdAt, after.get(1)));
    }
    return rows.map(set -> {
      io.vertx.core.json.JsonArray items = new io.vertx.core.json.JsonArray();
      String next = null;
      for (Row r : set) {
        if (items.size() == limit) {
          break;
        }
        items.add(json(r));
        next = org.loyaltyengine.http.KeysetCursor.encode(String.valueOf(java.time.temporal.ChronoUnit.MICROS.between(
            java.time.Instant.EPOCH, r.getOffsetDateTime("created_at").toInstant())), r.getString("redemption_id"));
      }
      return new JsonObject().put("items", items).put("nextCursor", set.size() > limit ? next : null);
    });
  }

  private static JsonObject json(Row r) {
    {
      return new JsonObject()
          .put("redemptionId", r.getString("redemption_id"))
          .put("memberExternalId", r.getString("external_id"))
          .put("rewardId", r.getString("reward_id"))
          .put("quantity", r.getInteger("quantity"))
          .put("status", r.getString("status"))
          .put("pointsSpent", r.getLong("points_spent"))
          .put("codes", r.getValue("codes"))
          .put("failureReason", r.getString("failure_reason"))
          .put("pointsRefunded", r.getLong("points_refunded"))
          .put("history", history((io.vertx.core.json.JsonArray) r.getValue("history")))
          .put("createdAt", Timestamps.format(r.getOffsetDateTime("created_at")))
          .put("updatedAt", Timestamps.format(r.getOffsetDateTime("updated_at")));
    }
  }

  /**
   * The status history as PostgreSQL stored it ({@code loyalty_redemption_history} writes {@code now()} into
   * JSON, which renders with {@code +00:00}), with each {@code at} in the API's timestamp format.
   */
  private static io.vertx.core.json.JsonArray history(io.vertx.core.json.JsonArray stored) {
    io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
    if (stored != null) {
      for (int i = 0; i < stored.size(); i++) {
        JsonObject step = stored.getJsonObject(i).copy();
        step.put("at", org.loyaltyengine.platform.Timestamps.normalize(step.getString("at")));
        out.add(step);
      }
    }
    return out;
  }
}
