package org.loyaltyengine.fraud;

import org.loyaltyengine.platform.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.ledger.Earning;
import org.loyaltyengine.ledger.LedgerRepository;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tier.TierSet;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Fraud state in PostgreSQL: the versioned policies, the member activity the checks read (one set-based
 * statement per attempt), the signals written with each write, and the review queue (R__fraud.sql).
 */
public final class FraudRepository {
  /** The release time of a held lot: none until an administrator decides (see fraud_held_until()). */
  public static final Instant HELD_UNTIL = Instant.parse("9999-12-31T00:00:00Z");

  private static final String POLICY = """
      select t.fraud_version, p.body from tenants t
        left join fraud_policies p on p.tenant_id = t.id and p.version = t.fraud_version
       where t.id = $1""";
  private static final String SAVE = """
      with t as (update tenants set fraud_version = fraud_version + 1 where id = $1 returning fraud_version)
      insert into fraud_policies (tenant_id, version, body) select $1, fraud_version, $2 from t returning version""";
  /**
   * One row per member of the attempts ($1, with the device and IP its first attempt names, $10 and $11); each
   * part is read only when its check is configured (its "since" is not null).
   */
  private static final String ACTIVITY = """
      select x.member_id,
        case when $3::timestamptz is null then 0 else
          (select count(distinct (e.cause_type, e.cause_id)) from ledger_entries e
            where e.member_id = x.member_id and e.kind = 'earn' and e.created_at > $3) end as earnings,
        case when $4::timestamptz is null then 0 else
          (select count(*) from redemptions d where d.member_id = x.member_id and d.created_at > $4) end as redemptions,
        case when $5::timestamptz is null then 0 else
          (select coalesce(sum(e.points), 0) from ledger_entries e
            where e.member_id = x.member_id and e.kind = 'earn' and e.created_at > $5) end as points_24h,
        loc.lat, loc.lon, loc.store_id, loc.at as located_at,
        case when $7::timestamptz is null then null else
          (select max(a.created_at) from adjustments a
            where a.member_id = x.member_id and a.created_at > $7 and a.points >= $8) end as adjusted_at,
        case when $9::timestamptz is null or x.device_id is null then 0 else
          (select count(distinct s.member_id) from fraud_signals s
            where s.tenant_id = $2 and s.device_id = x.device_id and s.kind = 'redemption' and s.at > $9
              and s.member_id <> x.member_id) end as device_members,
        case when $9::timestamptz is null or x.ip is null then 0 else
          (select count(distinct s.member_id) from fraud_signals s
            where s.tenant_id = $2 and s.ip = x.ip and s.kind = 'redemption' and s.at > $9
              and s.member_id <> x.member_id) end as ip_members
      from unnest($1::bigint[], $10::text[], $11::text[]) as x(member_id, device_id, ip)
      left join lateral (select s.lat, s.lon, s.store_id, s.at from fraud_signals s
                          where $6::timestamptz is not null and s.member_id = x.member_id and s.kind = 'earning'
                            and s.at > $6 and s.lat is not null
                          order by s.at desc limit 1) loc on true""";
  private static final String SIGNALS = """
      insert into fraud_signals (tenant_id, kind, cause_id, member_id, store_id, lat, lon, device_id, ip)
      select $1, $2, x.* from unnest($3::text[], $4::bigint[], $5::text[], $6::float8[], $7::float8[], $8::text[],
                                     $9::text[]) as x
      on conflict do nothing""";
  private static final String HOLD_EARNING =
      "select fraud_hold_earning($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb) as result";
  private static final String HOLD_REDEMPTION = "select fraud_hold_redemption($1, $2, $3::text::jsonb) as result";
  private static final String STORED_REDEMPTION = """
      select d.request_hash, d.result, m.external_id from redemptions d join members m on m.id = d.member_id
       where d.tenant_id = $1 and d.redemption_id = $2""";
  // $6-$8: the tenant's tier ladder, climbed when an approved earning starts to count
  private static final String DECIDE = "select * from fraud_decide($1, $2, $3, $4, $5, $6, $7, $8)";
  private static final String PAGE = """
      select h.id, h.kind, h.cause_type, h.cause_id, m.external_id, h.points, h.findings, h.status, h.decided_at,
             h.decided_by, h.note, h.created_at
        from fraud_holds h join members m on m.id = h.member_id
       where h.tenant_id = $1 and ($2::text is null or h.status = $2) and h.id > $3
       order by h.id limit $4""";
  private static final String ONE = """
      select h.id, h.kind, h.cause_type, h.cause_id, m.external_id, h.points, h.findings, h.status, h.decided_at,
             h.decided_by, h.note, h.created_at
        from fraud_holds h join members m on m.id = h.member_id
       where h.tenant_id = $1 and h.id = $2""";
  private static final String PRUNE_SIGNALS = """
      delete from fraud_signals where ctid = any(array(
        select ctid from fraud_signals where at < $1 limit $2))""";

  private final Pool pool;

  public FraudRepository(Pool pool) {
    this.pool = pool;
  }

  public Pool pool() {
    return pool;
  }

  // ---- policies ----

  public record Versioned(int version, FraudPolicy policy) {}

  /** The tenant's active policy; version 0 is "no checks". */
  public Future<Versioned> policy(UUID tenantId) {
    return pool.preparedQuery(POLICY).execute(Tuple.of(tenantId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(Rejection.notFound("tenant_not_found", "no such tenant"));
      }
      Row r = rows.iterator().next();
      JsonObject body = (JsonObject) r.getValue("body");
      return Future.succeededFuture(new Versioned(r.getInteger("fraud_version"),
          body == null ? FraudPolicy.NONE : FraudPolicyJson.parse(body)));
    });
  }

  public Future<Integer> save(UUID tenantId, FraudPolicy policy) {
    return pool.preparedQuery(SAVE).execute(Tuple.of(tenantId, FraudPolicyJson.toJson(policy)))
        .map(rows -> rows.iterator().next().getInteger("version"));
  }

  // ---- what the checks read ----

  /**
   * The recent activity of every member of {@code attempts} (all of one kind, judged at the first one's time),
   * read by one statement.
   */
  public Future<Map<Long, MemberActivity>> activities(FraudPolicy policy, List<Attempt> attempts) {
    Attempt a = attempts.get(0);
    Map<Long, Attempt> byMember = new LinkedHashMap<>();
    boolean located = false;
    for (Attempt each : attempts) {
      if (each.kind() != a.kind()) {
        throw new IllegalArgumentException("earnings and redemptions are screened apart");
      }
      byMember.putIfAbsent(each.memberId(), each);
      located |= each.context().location() != null;
    }
    Tuple args = Tuple.tuple()
        .addArrayOfLong(byMember.keySet().toArray(Long[]::new)).addUUID(a.tenantId())
        .addOffsetDateTime(since(a, policy, CheckKind.EARNINGS_PER_MEMBER, null))
        .addOffsetDateTime(since(a, policy, CheckKind.REDEMPTIONS_PER_MEMBER, null))
        .addOffsetDateTime(since(a, policy, CheckKind.POINTS_PER_MEMBER_PER_DAY, Duration.ofHours(24)))
        .addOffsetDateTime(located ? since(a, policy, CheckKind.DISTANT_STORES, null) : null)
        .addOffsetDateTime(since(a, policy, CheckKind.REDEMPTION_AFTER_ADJUSTMENT, null))
        .addLong(policy.check(CheckKind.REDEMPTION_AFTER_ADJUSTMENT).map(CheckConfig::minPoints).orElse(0L))
        .addOffsetDateTime(since(a, policy, CheckKind.MEMBERS_PER_DEVICE, null))
        .addArrayOfString(byMember.values().stream().map(x -> x.context().deviceId()).toArray(String[]::new))
        .addArrayOfString(byMember.values().stream().map(x -> x.context().ip()).toArray(String[]::new));
    return pool.preparedQuery(ACTIVITY).execute(args).map(rows -> {
      Map<Long, MemberActivity> out = new HashMap<>();
      for (Row r : rows) {
        Double lat = r.getDouble("lat");
        MemberActivity.Located at = lat == null ? null : new MemberActivity.Located(new Location(lat, r.getDouble("lon")),
            r.getString("store_id"), r.getOffsetDateTime("located_at").toInstant());
        OffsetDateTime adjusted = r.getOffsetDateTime("adjusted_at");
        out.put(r.getLong("member_id"), new MemberActivity(r.getLong("earnings"), r.getLong("redemptions"),
            r.getLong("points_24h"), at, adjusted == null ? null : adjusted.toInstant(), r.getLong("device_members"),
            r.getLong("ip_members")));
      }
      return out;
    });
  }

  /** When the check's window starts, or null when the check is not configured for this kind of write. */
  private static OffsetDateTime since(Attempt a, FraudPolicy policy, CheckKind kind, Duration fixed) {
    if (!kind.appliesTo(a.kind()) || policy.check(kind).isEmpty()) {
      return null;
    }
    return utc(a.at().minus(fixed != null ? fixed : policy.window(kind)));
  }

  /** Removes up to {@code limit} signals older than {@code before}; how many went. */
  public Future<Integer> pruneSignals(Instant before, int limit) {
    return pool.preparedQuery(PRUNE_SIGNALS).execute(Tuple.of(utc(before), limit)).map(rows -> rows.rowCount());
  }

  // ---- written with the write ----

  public Future<Void> signal(SqlClient client, Attempt a) {
    return signals(client, List.of(a));
  }

  /** The location, device and IP of the written attempts that carry any (all of one kind), in one statement. */
  public Future<Void> signals(SqlClient client, List<Attempt> attempts) {
    List<Attempt> told = attempts.stream().filter(a -> !a.context().isEmpty()).toList();
    if (told.isEmpty()) {
      return Future.succeededFuture();
    }
    Attempt first = told.get(0);
    return client.preparedQuery(SIGNALS).execute(Tuple.tuple().addUUID(first.tenantId())
            .addString(first.kind() == Attempt.Kind.EARNING ? "earning" : "redemption")
            .addArrayOfString(told.stream().map(Attempt::causeId).toArray(String[]::new))
            .addArrayOfLong(told.stream().map(Attempt::memberId).toArray(Long[]::new))
            .addArrayOfString(told.stream().map(a -> a.context().storeId()).toArray(String[]::new))
            .addArrayOfDouble(told.stream().map(a -> a.context().location() == null ? null : a.context().location().lat())
                .toArray(Double[]::new))
            .addArrayOfDouble(told.stream().map(a -> a.context().location() == null ? null : a.context().location().lon())
                .toArray(Double[]::new))
            .addArrayOfString(told.stream().map(a -> a.context().deviceId()).toArray(String[]::new))
            .addArrayOfString(told.stream().map(a -> a.context().ip()).toArray(String[]::new)))
        .mapEmpty();
  }

  /**
   * Marks an earning written in the same transaction as held; returns its reply as now stored.
   *
   * @param releaseAt when each lot would have been released, in lot order
   * @param usage     the cap counters the earning grew, given back if it is voided
   * @param budgets   the budgets it drew from, likewise
   */
  public Future<JsonObject> holdEarning(SqlClient client, UUID tenantId, long memberId, String causeType,
                                        String causeId, List<Instant> releaseAt, List<Finding> findings,
                                        List<Earning.Usage> usage, List<Earning.Budget> budgets) {
    JsonArray usageJson = new JsonArray();
    usage.forEach(u -> usageJson.add(new JsonObject().put("rule", u.ruleId()).put("window", u.windowKey())
        .put("points", u.points())));
    JsonArray budgetJson = new JsonArray();
    budgets.forEach(b -> budgetJson.add(new JsonObject().put("rule", b.ruleId()).put("points", b.points())));
    return client.preparedQuery(HOLD_EARNING).execute(Tuple.tuple().addUUID(tenantId).addLong(memberId)
            .addString(causeType).addString(causeId)
            .addArrayOfOffsetDateTime(releaseAt.stream().map(FraudRepository::utc).toArray(OffsetDateTime[]::new))
            .addString(FraudMessageJson.findings(findings).encode())
            .addString(new JsonObject().put("usage", usageJson).put("budgets", budgetJson).encode()))
        .map(rows -> (JsonObject) rows.iterator().next().getValue("result"));
  }

  public Future<JsonObject> holdRedemption(SqlClient client, UUID tenantId, String redemptionId, List<Finding> findings) {
    return client.preparedQuery(HOLD_REDEMPTION)
        .execute(Tuple.of(tenantId, redemptionId, FraudMessageJson.findings(findings).encode()))
        .map(rows -> (JsonObject) rows.iterator().next().getValue("result"));
  }

  // ---- replays ----

  public record StoredRedemption(LedgerRepository.Outcome outcome, String memberExternalId) {}

  public Future<Optional<StoredRedemption>> storedRedemption(UUID tenantId, String redemptionId) {
    return pool.preparedQuery(STORED_REDEMPTION).execute(Tuple.of(tenantId, redemptionId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row r = rows.iterator().next();
      return Optional.of(new StoredRedemption(new LedgerRepository.Outcome(false, r.getString("request_hash"),
          (JsonObject) r.getValue("result"), 0), r.getString("external_id")));
    });
  }

  // ---- the review queue ----

  /** A decision's effect: whether it changed anything, and the member whose cached snapshot to fence. */
  public record Decided(boolean changed, String status, long memberId, long snapshotVersion) {}

  public Future<Decided> decide(UUID tenantId, long holdId, boolean approve, UUID keyId, String note, TierSet tiers) {
    return pool.preparedQuery(DECIDE)
        .execute(Tuple.of(tenantId, holdId, approve ? "approve" : "void", keyId, note)
            .addArrayOfString(tiers.codes()).addArrayOfLong(tiers.thresholds()).addInteger(tiers.windowDays()))
        .map(rows -> {
          Row r = rows.iterator().next();
          return new Decided("decided".equals(r.getString("outcome")), r.getString("hold_status"),
              r.getLong("member_id"), r.getLong("snapshot_version"));
        })
        .recover(err -> {
          if (LedgerRepository.isState(err, "LY202")) {
            return Future.failedFuture(holdNotFound(holdId));
          }
          if (LedgerRepository.isState(err, "LY201")) {
            return Future.failedFuture(Rejection.conflict("hold_decided",
                "this hold was already " + (approve ? "voided" : "approved"), null));
          }
          return Future.failedFuture(err);
        });
  }

  public static Rejection holdNotFound(Object holdId) {
    return Rejection.notFound("hold_not_found", "no hold \"" + holdId + "\"");
  }

  /** Holds in id order after {@code afterId}; {@code status} null for all. */
  public Future<JsonArray> page(UUID tenantId, String status, long afterId, int limit) {
    return pool.preparedQuery(PAGE).execute(Tuple.of(tenantId, status, afterId, limit)).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(r -> items.add(hold(r)));
      return items;
    });
  }

  public Future<Optional<JsonObject>> find(UUID tenantId, long holdId) {
    return pool.preparedQuery(ONE).execute(Tuple.of(tenantId, holdId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(hold(rows.iterator().next())));
  }

  private static JsonObject hold(Row r) {
    OffsetDateTime decidedAt = r.getOffsetDateTime("decided_at");
    UUID decidedBy = r.getUUID("decided_by");
    return new JsonObject().put("holdId", String.valueOf(r.getLong("id"))).put("kind", r.getString("kind"))
        .put("cause", new JsonObject().put("type", r.getString("cause_type")).put("id", r.getString("cause_id")))
        .put("memberExternalId", r.getString("external_id")).put("points", r.getLong("points"))
        .put("checks", r.getValue("findings")).put("status", r.getString("status"))
        .put("createdAt", Timestamps.format(r.getOffsetDateTime("created_at")))
        .put("decidedAt", Timestamps.format(decidedAt))
        .put("decidedBy", decidedBy == null ? null : decidedBy.toString())
        .put("note", r.getString("note"));
  }

  static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }
}
