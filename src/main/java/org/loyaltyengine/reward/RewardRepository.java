package org.loyaltyengine.reward;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.DbErrors;
import org.loyaltyengine.platform.Rejection;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The catalog, its coupon-code pools, and what a member can redeem now. */
public final class RewardRepository {
  private static final String COLUMNS = """
      reward_id, name, type, cost_points, stock, limit_count, limit_period, valid_from, valid_to, tiers,
      partner_id, partner_sku, active""";
  private static final String CREATE = "insert into rewards (tenant_id, reward_id, name, type, cost_points, stock, "
      + "limit_count, limit_period, valid_from, valid_to, tiers, partner_id, partner_sku) "
      + "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning " + COLUMNS;
  private static final String REPLACE = """
      update rewards set name = $3, type = $4, cost_points = $5,
             stock = case when $4 = 'coupon_code' then stock else $6 end,
             limit_count = $7, limit_period = $8, valid_from = $9, valid_to = $10, tiers = $11, partner_id = $12,
             partner_sku = $13, active = true, updated_at = now()
       where tenant_id = $1 and reward_id = $2 and type = $4 returning\s""" + COLUMNS;
  private static final String FIND = "select " + COLUMNS + " from rewards where tenant_id = $1 and reward_id = $2";
  private static final String LIST = "select " + COLUMNS + " from rewards where tenant_id = $1 order by reward_id limit 1000";
  private static final String DEACTIVATE =
      "update rewards set active = false, updated_at = now() where tenant_id = $1 and reward_id = $2 returning " + COLUMNS;
  private static final String ADD_CODES = """
      with added as (
        insert into reward_codes (tenant_id, reward_id, code)
        select $1, $2, unnest($3::text[]) on conflict (tenant_id, reward_id, code) do nothing returning 1)
      update rewards set stock = coalesce(stock, 0) + (select count(*) from added), updated_at = now()
       where tenant_id = $1 and reward_id = $2 returning stock, (select count(*) from added) as added""";
  private static final String MEMBER_VIEW = """
      select r.reward_id, r.name, r.type, r.cost_points, r.stock, r.limit_count, r.limit_period, r.valid_from,
             r.valid_to, r.tiers, r.partner_id, r.partner_sku, r.active,
             coalesce((select u.count from reward_usage u
                        where u.member_id = $3 and u.reward_id = r.reward_id
                          and u.window_key = loyalty_limit_window(r.limit_period, now(), t.timezone)), 0) as used
        from rewards r join tenants t on t.id = r.tenant_id
       where r.tenant_id = $1 and r.active
         and (r.valid_from is null or r.valid_from <= now()) and (r.valid_to is null or now() < r.valid_to)
         and (r.tiers is null or cardinality(r.tiers) = 0 or $2 = any(r.tiers))
       order by r.cost_points, r.reward_id limit 1000""";

  private final Pool pool;

  public RewardRepository(Pool pool) {
    this.pool = pool;
  }

  private static Tuple args(UUID tenantId, Reward r) {
    return Tuple.tuple().addUUID(tenantId).addString(r.rewardId()).addString(r.name()).addString(r.type().wireName())
        .addLong(r.costPoints()).addLong(r.stock())
        .addInteger(r.limit() == null ? null : r.limit().count()).addString(r.limit() == null ? null : r.limit().period())
        .addOffsetDateTime(utc(r.validFrom())).addOffsetDateTime(utc(r.validTo()))
        .addArrayOfString(r.tiers().toArray(String[]::new)).addString(r.partner()).addString(r.partnerSku());
  }

  public Future<Reward> create(UUID tenantId, Reward r) {
    return pool.preparedQuery(CREATE).execute(args(tenantId, r)).map(rows -> reward(rows.iterator().next()))
        .recover(err -> DbErrors.isUniqueViolation(err, null)
            ? Future.failedFuture(Rejection.conflict("reward_exists", "reward \"" + r.rewardId() + "\" already exists", "rewardId"))
            : Future.failedFuture(err));
  }

  /** Empty when there is no such reward of that type (a reward's type cannot change). */
  public Future<Optional<Reward>> replace(UUID tenantId, Reward r) {
    return pool.preparedQuery(REPLACE).execute(args(tenantId, r))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(reward(rows.iterator().next())));
  }

  public Future<Optional<Reward>> find(UUID tenantId, String rewardId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId, rewardId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(reward(rows.iterator().next())));
  }

  public Future<List<Reward>> list(UUID tenantId) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId)).map(rows -> {
      List<Reward> out = new java.util.ArrayList<>();
      rows.forEach(r -> out.add(reward(r)));
      return out;
    });
  }

  public Future<Optional<Reward>> deactivate(UUID tenantId, String rewardId) {
    return pool.preparedQuery(DEACTIVATE).execute(Tuple.of(tenantId, rewardId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(reward(rows.iterator().next())));
  }

  /** Adds codes to a coupon reward's pool; codes already in the pool are ignored. Returns (added, stock). */
  public Future<JsonObject> addCodes(UUID tenantId, String rewardId, List<String> codes) {
    return pool.preparedQuery(ADD_CODES)
        .execute(Tuple.tuple().addUUID(tenantId).addString(rewardId).addArrayOfString(codes.toArray(String[]::new)))
        .map(rows -> {
          Row r = rows.iterator().next();
          return new JsonObject().put("added", r.getLong("added")).put("stock", r.getLong("stock"));
        });
  }

  /** What the member may redeem now: eligible rewards with affordability and remaining stock and limits. */
  public Future<JsonArray> forMember(UUID tenantId, long memberId, String tierCode, long available) {
    return pool.preparedQuery(MEMBER_VIEW).execute(Tuple.of(tenantId, tierCode, memberId)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row row : rows) {
        Reward r = reward(row);
        long used = row.getLong("used");
        Long limitLeft = r.limit() == null ? null : Math.max(0, r.limit().count() - used);
        boolean inStock = r.stock() == null || r.stock() > 0;
        boolean affordable = available >= r.costPoints();
        out.add(RewardJson.toJson(r)
            .put("affordable", affordable)
            .put("remainingStock", r.stock())
            .put("remainingForMember", limitLeft)
            .put("canRedeem", affordable && inStock && (limitLeft == null || limitLeft > 0)));
      }
      return out;
    });
  }

  static Reward reward(Row r) {
    String[] tiers = r.getArrayOfStrings("tiers");
    Integer limitCount = r.getInteger("limit_count");
    return new Reward(r.getString("reward_id"), r.getString("name"), Reward.Type.parse(r.getString("type")),
        r.getLong("cost_points"), r.getLong("stock"),
        limitCount == null ? null : new Reward.Limit(limitCount, r.getString("limit_period")),
        instant(r.getOffsetDateTime("valid_from")), instant(r.getOffsetDateTime("valid_to")),
        tiers == null ? List.of() : List.of(tiers), r.getString("partner_id"), r.getString("partner_sku"),
        r.getBoolean("active"));
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }

  private static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }
}
