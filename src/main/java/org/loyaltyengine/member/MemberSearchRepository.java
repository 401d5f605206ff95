package org.loyaltyengine.member;

import org.loyaltyengine.platform.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.http.KeysetCursor;

import java.util.UUID;

/**
 * {@code GET /v1/members}: one tenant's members filtered and ordered by external id (byte order, the
 * members_by_external_id index of V14), one keyset page at a time. The statement is put together from fixed
 * fragments, one per filter present, so each combination is its own prepared statement with its own plan.
 */
public final class MemberSearchRepository {
  private static final String SELECT = """
      select m.external_id, m.email, m.phone, m.first_name, m.last_name, m.status, m.tier_code, m.enrolled_at,
             b.available, b.pending, b.lifetime_earned
        from members m join member_balances b on b.member_id = m.id
       where m.tenant_id = $1""";

  private final Pool reads;

  public MemberSearchRepository(Pool reads) {
    this.reads = reads;
  }

  /** {@code {"items": [...], "nextCursor": ...|null}}. */
  public Future<JsonObject> page(UUID tenantId, MemberSearch q) {
    StringBuilder sql = new StringBuilder(SELECT);
    Tuple args = Tuple.of(tenantId);
    if (q.email() != null) {
      args.addString(q.email());
      sql.append(" and lower(m.email) = $").append(args.size());
    }
    if (q.phoneDigits() != null) {
      args.addString(q.phoneDigits());
      sql.append(" and regexp_replace(m.phone, '[^0-9]', '', 'g') = $").append(args.size());
    }
    if (q.externalIdPrefix() != null) {
      args.addString(q.externalIdPrefix());
      sql.append(" and m.external_id ~>=~ $").append(args.size());
      args.addString(q.prefixEnd());
      sql.append(" and m.external_id ~<~ $").append(args.size());
    }
    if (q.status() != null) {
      args.addString(q.status().wireName());
      sql.append(" and m.status = $").append(args.size());
    }
    if (q.tier() != null) {
      args.addString(q.tier());
      sql.append(" and m.tier_code = $").append(args.size());
    }
    if (q.after() != null) {
      args.addString(q.after());
      sql.append(" and m.external_id ~>~ $").append(args.size());
    }
    args.addInteger(q.limit() + 1); // one extra row tells whether another page exists
    sql.append(" order by m.external_id using ~<~ limit $").append(args.size());
    return reads.preparedQuery(sql.toString()).execute(args).map(rows -> {
      JsonArray items = new JsonArray();
      String last = null;
      for (Row r : rows) {
        if (items.size() == q.limit()) {
          return new JsonObject().put("items", items).put("nextCursor", KeysetCursor.encode(last));
        }
        last = r.getString("external_id");
        items.add(item(r));
      }
      return new JsonObject().put("items", items).put("nextCursor", null);
    });
  }

  private static JsonObject item(Row r) {
    return new JsonObject()
        .put("externalId", r.getString("external_id"))
        .put("email", r.getString("email"))
        .put("phone", r.getString("phone"))
        .put("firstName", r.getString("first_name"))
        .put("lastName", r.getString("last_name"))
        .put("status", r.getString("status"))
        .put("tierCode", r.getString("tier_code"))
        .put("points", new JsonObject().put("available", r.getLong("available")).put("pending", r.getLong("pending"))
            .put("lifetimeEarned", r.getLong("lifetime_earned")))
        .put("enrolledAt", Timestamps.format(r.getOffsetDateTime("enrolled_at")));
  }
}
