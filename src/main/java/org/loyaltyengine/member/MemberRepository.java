package org.loyaltyengine.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.loyaltyengine.platform.Timestamps;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.DbErrors;
import org.loyaltyengine.platform.Rejection;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Members and their balance rows. Each write is one statement (so one transaction) that also appends its
 * domain event to the outbox. The read model's views are read from the primary too: a replica may be behind
 * the write that asked for them.
 */
public final class MemberRepository {
  // Qualifying points: loyalty_qualifying_of / _points (R__earning.sql), lifetime unless the tenant's tiers count a
  // rolling window of WINDOW days; WINDOW is the statement's parameter for it. A member enrolled by the same
  // statement (CREATE) is not yet visible to the subqueries and the function: they read 0.
  private static String snapshotColumns(String windowParam) {
    return SNAPSHOT_COLUMNS_TEMPLATE.replace("WINDOW", windowParam);
  }

  private static final String MEMBER_COLUMNS = """
      m.id, m.external_id, m.email, m.phone, m.first_name, m.last_name, m.birth_date, m.attributes, m.status,
      m.tier_code, m.tier_valid_until, m.enrolled_at, b.available, b.pending, b.lifetime_earned,
      b.transaction_count, b.total_spent, m.version + b.version as snapshot_version""";

  /**
   * The qualifying windows of the members of tenant $1 with external ids $2 (window $3 days) in one call (an
   * init plan), not one function call per member; join it {@code on q.member_id = m.id}.
   */
  public static final String QUALIFYING_OF_MEMBERS = "loyalty_qualifying_of(array(select x.id from members x"
      + " where x.tenant_id = $1 and x.external_id = any($2)), $3::int)";

  private static final String SNAPSHOT_COLUMNS_TEMPLATE = MEMBER_COLUMNS + """
      , coalesce(loyalty_qualifying_points(m.id, WINDOW::int), 0) as qualifying_points
      , (select coalesce(sum(l.remaining), 0) from point_lots l
        where l.member_id = m.id and l.remaining > 0 and l.expires_at < now() + interval '30 days') as expiring_soon""";

  /**
   * The read model's documents of some members of one tenant ($2: external ids; $3: the tier window; $4: history
   * rows wanted), each with what it needs beyond the snapshot, in one consistent statement:
   * {@code valid_until_ms}, the first instant at which a time-dependent field changes without a write (the
   * earliest open lot entering the 30-day expiry window; the earliest qualifying day leaving a rolling tier
   * window, at UTC midnight), null when none will; {@code history}, the newest transactions as
   * [seq, id, occurredAt µs, total, currency, items, pointsEarned] arrays (none read when $4 is 0), and
   * {@code history_version}, which every write that changes that history bumps (V21).
   */
  private static final String VIEWS = "select " + MEMBER_COLUMNS + """
      , coalesce(q.points, 0) as qualifying_points, lots.expiring_soon,
        (extract(epoch from least(lots.next_entry - interval '30 days',
            (q.first_day + $3::int)::timestamp at time zone 'UTC')) * 1000)::bigint as valid_until_ms,
        h.history, b.history_version
      from members m join member_balances b on b.member_id = m.id
      cross join lateral (
        select coalesce(sum(l.remaining) filter (where l.expires_at < now() + interval '30 days'), 0) as expiring_soon,
               min(l.expires_at) filter (where l.expires_at >= now() + interval '30 days') as next_entry
          from point_lots l where l.member_id = m.id and l.remaining > 0) lots
      left join\s""" + QUALIFYING_OF_MEMBERS + """
       q on q.member_id = m.id
      cross join lateral (
        select json_agg(json_build_array(t.seq, t.transaction_id, (extract(epoch from t.occurred_at) * 1000000)::bigint,
                        t.total, t.currency, t.items, t.points_earned) order by t.occurred_at desc, t.seq desc) as history
          from (select * from transactions x where x.member_id = m.id and x.tenant_id = m.tenant_id
                 order by x.occurred_at desc, x.seq desc limit $4) t) h
      where m.tenant_id = $1 and m.external_id = any($2)""";

  private static final String CREATE = """
      with m as (
        insert into members (tenant_id, external_id, email, phone, first_name, last_name, birth_date, attributes)
        values ($1, $2, $3, $4, $5, $6, $7, $8) returning *
      ), b as (
        insert into member_balances (member_id, tenant_id) select id, tenant_id from m returning *
      ), o as (
        insert into outbox (tenant_id, member_id, event_type, payload)
        select tenant_id, id, 'member.enrolled',
               jsonb_build_object('externalId', external_id, 'enrolledAt', """ + Timestamps.sql("enrolled_at") + """
               ) from m
      )
      select\s""" + snapshotColumns("$9") + " from m, b";

  private static final String UPDATE = """
      with m as (
        update members set
          email = case when $3 then $4 else email end,
          phone = case when $5 then $6 else phone end,
          first_name = case when $7 then $8 else first_name end,
          last_name = case when $9 then $10 else last_name end,
          birth_date = case when $11 then $12 else birth_date end,
          attributes = case when $13 then $14 else attributes end,
          status = coalesce($15, status),
          updated_at = now(),
          version = version + 1
        where tenant_id = $1 and external_id = $2
        returning *
      ), o as (
        insert into outbox (tenant_id, member_id, event_type, payload)
        select tenant_id, id, 'member.updated',
               jsonb_build_object('externalId', external_id, 'status', status, 'changed', $16::jsonb) from m
      )
      select\s""" + snapshotColumns("$17") + " from m join member_balances b on b.member_id = m.id";

  private final Pool primary;

  public MemberRepository(Pool primary) {
    this.primary = primary;
  }

  /** What a read-model document is made of: the snapshot, until when it holds, the newest transactions. */
  /** A member's view; {@code history} is empty when it was not asked for, {@code historyVersion} always read. */
  public record View(MemberSnapshot snapshot, long validUntilMillis, io.vertx.core.json.JsonArray history,
                     long historyVersion) {}

  /**
   * The views of these members of one tenant, read from the primary (a replica could be behind the write
   * that asked for them); members the tenant does not have are absent.
   */
  public Future<java.util.List<View>> views(UUID tenantId, java.util.Collection<String> externalIds,
                                            Integer tierWindowDays, int historyRows) {
    return primary.preparedQuery(VIEWS)
        .execute(Tuple.of(tenantId, externalIds.toArray(String[]::new), tierWindowDays, historyRows))
        .map(rows -> {
          java.util.List<View> views = new java.util.ArrayList<>(rows.size());
          for (Row r : rows) {
            Long validUntil = r.getLong("valid_until_ms");
            Object history = r.getValue("history");
            views.add(new View(snapshot(r), validUntil == null ? Long.MAX_VALUE : validUntil,
                history instanceof io.vertx.core.json.JsonArray a ? a : new io.vertx.core.json.JsonArray(),
                r.getLong("history_version")));
          }
          return views;
        });
  }

  public Future<MemberSnapshot> create(UUID tenantId, NewMember m) {
    Tuple args = Tuple.of(tenantId, m.externalId(), m.email(), m.phone(), m.firstName(), m.lastName())
        .addLocalDate(m.birthDate()).addValue(new JsonObject(new LinkedHashMap<>(m.attributes())))
        .addInteger(null); // a new member has no window to sum
    return primary.preparedQuery(CREATE).execute(args)
        .map(rows -> first(rows).orElseThrow())
        .recover(err -> DbErrors.isUniqueViolation(err, "members_external_id_key")
            ? Future.failedFuture(Rejection.conflict("member_exists",
                "a member with externalId \"" + m.externalId() + "\" already exists", "externalId"))
            : Future.failedFuture(err));
  }

  /** The updated snapshot, or empty when the tenant has no such member. */
  public Future<Optional<MemberSnapshot>> update(UUID tenantId, String externalId, MemberChanges c,
                                                 Integer tierWindowDays) {
    JsonObject changed = new JsonObject();
    Tuple args = Tuple.of(tenantId, externalId);
    addChange(args, changed, "email", c.email());
    addChange(args, changed, "phone", c.phone());
    addChange(args, changed, "firstName", c.firstName());
    addChange(args, changed, "lastName", c.lastName());
    args.addBoolean(c.birthDate().present()).addLocalDate(c.birthDate().value());
    if (c.birthDate().present()) {
      changed.put("birthDate", c.birthDate().value() == null ? null : c.birthDate().value().toString());
    }
    args.addBoolean(c.attributes().present()).addValue(c.attributes().value() == null
        ? new JsonObject() : new JsonObject(new LinkedHashMap<>(c.attributes().value())));
    if (c.attributes().present()) {
      changed.put("attributes", true);
    }
    args.addString(c.status().present() ? c.status().value().wireName() : null);
    if (c.status().present()) {
      changed.put("status", c.status().value().wireName());
    }
    args.addValue(changed).addInteger(tierWindowDays);
    return primary.preparedQuery(UPDATE).execute(args).map(MemberRepository::first);
  }

  private static void addChange(Tuple args, JsonObject changed, String field, MemberChanges.Change<String> change) {
    args.addBoolean(change.present()).addString(change.value());
    if (change.present()) {
      changed.put(field, true);
    }
  }

  private static Optional<MemberSnapshot> first(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    return Optional.of(snapshot(rows.iterator().next()));
  }

  static MemberSnapshot snapshot(Row r) {
    JsonObject attrs = (JsonObject) r.getValue("attributes");
    Map<String, String> attributes = new LinkedHashMap<>();
    if (attrs != null) {
      attrs.forEach(e -> attributes.put(e.getKey(), String.valueOf(e.getValue())));
    }
    LocalDate birthDate = r.getLocalDate("birth_date");
    return new MemberSnapshot(r.getLong("id"), r.getString("external_id"), r.getString("email"),
        r.getString("phone"), r.getString("first_name"), r.getString("last_name"), birthDate, attributes,
        MemberStatus.parse("status", r.getString("status")), r.getString("tier_code"),
        r.getOffsetDateTime("tier_valid_until") == null ? null : r.getOffsetDateTime("tier_valid_until").toInstant(),
        r.getOffsetDateTime("enrolled_at").toInstant(), r.getLong("available"), r.getLong("pending"),
        r.getLong("lifetime_earned"), r.getLong("expiring_soon"), r.getLong("qualifying_points"),
        r.getLong("transaction_count"), r.getLong("total_spent"), r.getLong("snapshot_version"));
  }
}
