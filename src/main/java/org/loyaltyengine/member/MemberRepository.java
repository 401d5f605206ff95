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
 * domain event to the outbox. Reads go to the read pool, which is the replica when one is configured.
 */
public final class MemberRepository {
  // Qualifying points: loyalty_qualifying_points (R__earning.sql), lifetime unless the tenant's tiers count a
  // rolling window of WINDOW days; WINDOW is the statement's parameter for it. A member enrolled by the same
  // statement (CREATE) is not yet visible to the subqueries and the function: they read 0.
  private static String snapshotColumns(String windowParam) {
    return SNAPSHOT_COLUMNS_TEMPLATE.replace("WINDOW", windowParam);
  }

  private static final String SNAPSHOT_COLUMNS_TEMPLATE = """
      m.id, m.external_id, m.email, m.phone, m.first_name, m.last_name, m.birth_date, m.attributes, m.status,
      m.tier_code, m.tier_valid_until, m.enrolled_at, b.available, b.pending, b.lifetime_earned,
      b.transaction_count, b.total_spent, m.version + b.version as snapshot_version,
      (select coalesce(sum(l.remaining), 0) from point_lots l
        where l.member_id = m.id and l.remaining > 0 and l.expires_at < now() + interval '30 days') as expiring_soon,
      coalesce(loyalty_qualifying_points(m.id, WINDOW::int), 0) as qualifying_points""";

  private static final String FIND = "select " + snapshotColumns("$3") + """
      \sfrom members m join member_balances b on b.member_id = m.id
      where m.tenant_id = $1 and m.external_id = $2""";

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
  private final Pool reads;

  public MemberRepository(Pool primary, Pool reads) {
    this.primary = primary;
    this.reads = reads;
  }

  /** @param tierWindowDays the rolling window of the tenant's tiers, or null when they count lifetime points */
  public Future<Optional<MemberSnapshot>> find(UUID tenantId, String externalId, Integer tierWindowDays) {
    return reads.preparedQuery(FIND).execute(Tuple.of(tenantId, externalId, tierWindowDays)).map(MemberRepository::first);
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
