package org.loyaltyengine.analytics;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The analytics tables (V6), and nothing else: every statement here reads or writes only analytics_*
 * tables (AnalyticsSqlTest checks it), so reports never load the live tables. Writes go to the primary,
 * in one transaction per batch; reports go to the read pool (the replica when one is configured), each as
 * one statement, so a report is one consistent snapshot even while batches commit.
 */
public final class AnalyticsRepository {
  /** Columns of the additive figures, in {@link DailyFigures} order. */
  static final List<String> FIGURE_COLUMNS = List.of("points_issued", "points_issued_pending", "points_released",
      "points_redeemed", "points_refunded", "points_expired", "points_returned", "points_adjusted_in",
      "points_adjusted_out", "points_opening", "redemptions", "redemptions_fulfilled", "redemptions_failed",
      "new_members");

  // ---- writes: one batch ----

  /** Claims the batch's events; only ids nobody recorded before come back (a concurrent claimer waits). */
  static final String MARK_APPLIED = """
      insert into analytics_applied_events (event_id)
      select id from unnest($1::bigint[]) as batch(id) order by id
      on conflict (event_id) do nothing
      returning event_id""";

  /** Records who was active when, and counts per day only the member-days that are new. */
  static final String ADD_MEMBER_DAYS = """
      with added as (
        insert into analytics_member_days (tenant_id, day, member_id)
        select t, d, m from unnest($1::uuid[], $2::date[], $3::bigint[]) as batch(t, d, m) order by t, d, m
        on conflict (tenant_id, day, member_id) do nothing
        returning tenant_id, day)
      select tenant_id, day, count(*) as added from added group by tenant_id, day""";

  static final String UPSERT_DAYS = """
      insert into analytics_daily as d (tenant_id, day, points_issued, points_issued_pending, points_released,
                                        points_redeemed, points_refunded, points_expired, points_returned,
                                        points_adjusted_in, points_adjusted_out, points_opening, redemptions,
                                        redemptions_fulfilled, redemptions_failed, new_members, active_members)
      select * from unnest($1::uuid[], $2::date[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
                           $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[],
                           $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[])
               as batch(t, d, i, ip, rl, rd, rf, ex, rt, ai, ao, op, r, rff, rfl, nm, am)
       order by t, d
      on conflict (tenant_id, day) do update set
        points_issued = d.points_issued + excluded.points_issued,
        points_issued_pending = d.points_issued_pending + excluded.points_issued_pending,
        points_released = d.points_released + excluded.points_released,
        points_redeemed = d.points_redeemed + excluded.points_redeemed,
        points_refunded = d.points_refunded + excluded.points_refunded,
        points_expired = d.points_expired + excluded.points_expired,
        points_returned = d.points_returned + excluded.points_returned,
        points_adjusted_in = d.points_adjusted_in + excluded.points_adjusted_in,
        points_adjusted_out = d.points_adjusted_out + excluded.points_adjusted_out,
        points_opening = d.points_opening + excluded.points_opening,
        redemptions = d.redemptions + excluded.redemptions,
        redemptions_fulfilled = d.redemptions_fulfilled + excluded.redemptions_fulfilled,
        redemptions_failed = d.redemptions_failed + excluded.redemptions_failed,
        new_members = d.new_members + excluded.new_members,
        active_members = d.active_members + excluded.active_members,
        updated_at = now()""";

  static final String UPSERT_REWARD_DAYS = """
      insert into analytics_reward_daily as r (tenant_id, day, reward_id, redemptions, quantity, points)
      select * from unnest($1::uuid[], $2::date[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
               as batch(t, d, w, n, q, p)
       order by t, d, w
      on conflict (tenant_id, day, reward_id) do update set
        redemptions = r.redemptions + excluded.redemptions,
        quantity = r.quantity + excluded.quantity,
        points = r.points + excluded.points""";

  static final String UPSERT_TENANTS = """
      insert into analytics_tenants as p (tenant_id, events_applied, last_event_id, last_event_at)
      select * from unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::timestamptz[]) as batch(t, n, i, a)
       order by t
      on conflict (tenant_id) do update set
        events_applied = p.events_applied + excluded.events_applied,
        last_event_id = greatest(p.last_event_id, excluded.last_event_id),
        last_event_at = greatest(p.last_event_at, excluded.last_event_at),
        updated_at = now()""";

  // ---- reports ----

  private static final String SUM_FIGURES = String.join(", ", FIGURE_COLUMNS.stream()
      .map(c -> "coalesce(sum(" + c + "), 0)::bigint as " + c).toList());

  static final String SUMMARY = "with totals as (select " + SUM_FIGURES + """

          from analytics_daily where tenant_id = $1 and day between $2::date and $3::date),
      earlier as (
        select coalesce(sum(net_points), 0)::bigint as liability_at_start
          from analytics_daily where tenant_id = $1 and day < $2::date),
      active as (
        select count(distinct member_id) as active_members
          from analytics_member_days where tenant_id = $1 and day between $2::date and $3::date),
      ranking as (
        select reward_id, sum(redemptions)::bigint as redemptions, sum(quantity)::bigint as quantity,
               sum(points)::bigint as points,
               row_number() over (order by sum(redemptions) desc, sum(points) desc, reward_id) as rank
          from analytics_reward_daily where tenant_id = $1 and day between $2::date and $3::date
         group by reward_id
         order by rank limit $4),
      top as (
        select array_agg(reward_id order by rank) as top_ids, array_agg(redemptions order by rank) as top_redemptions,
               array_agg(quantity order by rank) as top_quantities, array_agg(points order by rank) as top_points
          from ranking),
      progress as (
        select events_applied, last_event_at from analytics_tenants where tenant_id = $1)
      select totals.*, earlier.liability_at_start, active.active_members, top.*,
             (select events_applied from progress) as events_applied,
             (select last_event_at from progress) as last_event_at
        from totals, earlier, active, top""";

  private static final String DAY_FIGURES = String.join(", ", FIGURE_COLUMNS.stream()
      .map(c -> "coalesce(d." + c + ", 0) as " + c).toList());

  /** One row per day of the period, zeros for quiet days, with the liability at each day's end. */
  static final String DAILY = "select g.day::date as day, " + DAY_FIGURES + """
      ,
             coalesce(d.active_members, 0) as active_members,
             (earlier.liability_at_start + sum(coalesce(d.net_points, 0)) over (order by g.day))::bigint as liability
        from generate_series(($2::date)::timestamp, ($3::date)::timestamp, interval '1 day') as g(day)
        cross join (select coalesce(sum(net_points), 0)::bigint as liability_at_start
                      from analytics_daily where tenant_id = $1 and day < $2::date) as earlier
        left join analytics_daily d on d.tenant_id = $1 and d.day = g.day::date
       order by g.day""";

  /** Every statement of this class, for AnalyticsSqlTest. */
  static final List<String> STATEMENTS = List.of(MARK_APPLIED, ADD_MEMBER_DAYS, UPSERT_DAYS, UPSERT_REWARD_DAYS,
      UPSERT_TENANTS, SUMMARY, DAILY);

  /** Rewards listed in a summary. */
  public static final int TOP_REWARDS = 10;

  private final Pool primary;
  private final Pool reads;

  public AnalyticsRepository(Pool primary, Pool reads) {
    this.primary = primary;
    this.reads = reads;
  }

  /**
   * Counts the facts not counted before, in one transaction: the claim of their ids and the rollup rows
   * they add commit together or not at all. Returns how many events were new.
   */
  public Future<Integer> apply(List<AnalyticsFact> facts, Function<UUID, ZoneId> zones) {
    List<AnalyticsFact> distinct = DailyRollup.distinctEvents(facts);
    if (distinct.isEmpty()) {
      return Future.succeededFuture(0);
    }
    Long[] ids = distinct.stream().map(AnalyticsFact::eventId).toArray(Long[]::new);
    return primary.withTransaction(conn -> conn.preparedQuery(MARK_APPLIED).execute(Tuple.tuple().addArrayOfLong(ids))
        .compose(claimed -> {
          Set<Long> fresh = new HashSet<>();
          claimed.forEach(r -> fresh.add(r.getLong(0)));
          DailyRollup rollup = DailyRollup.of(distinct.stream().filter(f -> fresh.contains(f.eventId())).toList(), zones);
          if (rollup.isEmpty()) {
            return Future.succeededFuture(0);
          }
          return addMemberDays(conn, rollup.memberDays())
              .compose(active -> upsertDays(conn, rollup.days(), active))
              .compose(v -> upsertRewardDays(conn, rollup.rewardDays()))
              .compose(v -> upsertTenants(conn, rollup.tenants()))
              .map(v -> rollup.facts());
        }));
  }

  private static Future<Map<DailyRollup.DayKey, Long>> addMemberDays(SqlConnection conn, List<DailyRollup.MemberDay> days) {
    if (days.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Tuple args = Tuple.tuple()
        .addArrayOfUUID(days.stream().map(DailyRollup.MemberDay::tenantId).toArray(UUID[]::new))
        .addArrayOfLocalDate(days.stream().map(DailyRollup.MemberDay::day).toArray(LocalDate[]::new))
        .addArrayOfLong(days.stream().map(DailyRollup.MemberDay::memberId).toArray(Long[]::new));
    return conn.preparedQuery(ADD_MEMBER_DAYS).execute(args).map(rows -> {
      Map<DailyRollup.DayKey, Long> added = new HashMap<>();
      for (Row r : rows) {
        added.put(new DailyRollup.DayKey(r.getUUID("tenant_id"), r.getLocalDate("day")), r.getLong("added"));
      }
      return added;
    });
  }

  private static Future<Void> upsertDays(SqlConnection conn, List<DailyRollup.DayRow> days,
                                         Map<DailyRollup.DayKey, Long> newlyActive) {
    int n = days.size();
    UUID[] tenants = new UUID[n];
    LocalDate[] dates = new LocalDate[n];
    Long[][] columns = new Long[FIGURE_COLUMNS.size() + 1][n];
    for (int i = 0; i < n; i++) {
      DailyRollup.DayRow row = days.get(i);
      tenants[i] = row.tenantId();
      dates[i] = row.day();
      long[] values = values(row.figures());
      for (int c = 0; c < values.length; c++) {
        columns[c][i] = values[c];
      }
      columns[values.length][i] = newlyActive.getOrDefault(new DailyRollup.DayKey(row.tenantId(), row.day()), 0L);
    }
    Tuple args = Tuple.tuple().addArrayOfUUID(tenants).addArrayOfLocalDate(dates);
    for (Long[] column : columns) {
      args.addArrayOfLong(column);
    }
    return conn.preparedQuery(UPSERT_DAYS).execute(args).mapEmpty();
  }

  private static Future<Void> upsertRewardDays(SqlConnection conn, List<DailyRollup.RewardDay> days) {
    if (days.isEmpty()) {
      return Future.succeededFuture();
    }
    Tuple args = Tuple.tuple()
        .addArrayOfUUID(days.stream().map(DailyRollup.RewardDay::tenantId).toArray(UUID[]::new))
        .addArrayOfLocalDate(days.stream().map(DailyRollup.RewardDay::day).toArray(LocalDate[]::new))
        .addArrayOfString(days.stream().map(DailyRollup.RewardDay::rewardId).toArray(String[]::new))
        .addArrayOfLong(days.stream().map(DailyRollup.RewardDay::redemptions).toArray(Long[]::new))
        .addArrayOfLong(days.stream().map(DailyRollup.RewardDay::quantity).toArray(Long[]::new))
        .addArrayOfLong(days.stream().map(DailyRollup.RewardDay::points).toArray(Long[]::new));
    return conn.preparedQuery(UPSERT_REWARD_DAYS).execute(args).mapEmpty();
  }

  private static Future<Void> upsertTenants(SqlConnection conn, List<DailyRollup.TenantProgress> tenants) {
    Tuple args = Tuple.tuple()
        .addArrayOfUUID(tenants.stream().map(DailyRollup.TenantProgress::tenantId).toArray(UUID[]::new))
        .addArrayOfLong(tenants.stream().map(DailyRollup.TenantProgress::events).toArray(Long[]::new))
        .addArrayOfLong(tenants.stream().map(DailyRollup.TenantProgress::lastEventId).toArray(Long[]::new))
        .addArrayOfOffsetDateTime(tenants.stream().map(t -> t.lastEventAt().atOffset(ZoneOffset.UTC))
            .toArray(OffsetDateTime[]::new));
    return conn.preparedQuery(UPSERT_TENANTS).execute(args).mapEmpty();
  }

  /** A figures record as the column values of {@link #FIGURE_COLUMNS}, in that order. */
  static long[] values(DailyFigures f) {
    return new long[] {f.pointsIssued(), f.pointsIssuedPending(), f.pointsReleased(), f.pointsRedeemed(),
        f.pointsRefunded(), f.pointsExpired(), f.pointsReturned(), f.pointsAdjustedIn(), f.pointsAdjustedOut(),
        f.pointsOpening(), f.redemptions(), f.redemptionsFulfilled(), f.redemptionsFailed(), f.newMembers()};
  }

  private static DailyFigures figures(Row r) {
    long[] v = new long[FIGURE_COLUMNS.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.getLong(FIGURE_COLUMNS.get(i));
    }
    return new DailyFigures(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]);
  }

  // ---- reads ----

  public Future<AnalyticsSummary> summary(UUID tenantId, ReportPeriod period) {
    return reads.preparedQuery(SUMMARY).execute(Tuple.of(tenantId, period.from(), period.to(), (long) TOP_REWARDS))
        .map(rows -> {
          Row r = rows.iterator().next();
          List<AnalyticsSummary.RewardRanking> top = new ArrayList<>();
          String[] ids = r.getArrayOfStrings("top_ids");
          if (ids != null) {
            Long[] redemptions = r.getArrayOfLongs("top_redemptions");
            Long[] quantities = r.getArrayOfLongs("top_quantities");
            Long[] points = r.getArrayOfLongs("top_points");
            for (int i = 0; i < ids.length; i++) {
              top.add(new AnalyticsSummary.RewardRanking(ids[i], redemptions[i], quantities[i], points[i]));
            }
          }
          Long events = r.getLong("events_applied");
          OffsetDateTime last = r.getOffsetDateTime("last_event_at");
          return new AnalyticsSummary(period, figures(r), r.getLong("active_members"), r.getLong("liability_at_start"),
              List.copyOf(top), events == null ? 0 : events, last == null ? null : last.toInstant());
        });
  }

  public Future<List<DayReport>> daily(UUID tenantId, ReportPeriod period) {
    return reads.preparedQuery(DAILY).execute(Tuple.of(tenantId, period.from(), period.to())).map(rows -> {
      List<DayReport> days = new ArrayList<>(rows.size());
      for (Row r : rows) {
        days.add(new DayReport(r.getLocalDate("day"), figures(r), r.getLong("active_members"), r.getLong("liability")));
      }
      return days;
    });
  }
}
