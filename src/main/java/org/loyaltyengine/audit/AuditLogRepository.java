package org.loyaltyengine.audit;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.Timestamps;

import java.util.UUID;

/**
 * The audit trail of administrative API calls (audit_log, V10; before/after since V14), pruned by the
 * retention job. Ids are assigned as entries are written, and entries are written before the change's
 * answer is sent, so id order is answer order: the list is newest first by id.
 */
public final class AuditLogRepository {
  private static final String RECORD = """
      insert into audit_log (tenant_id, key_id, method, path, status, request_id, before, after)
      values ($1, $2, $3, $4, $5, $6, $7, $8)""";
  // api_keys rows are kept after revocation, so an entry always names its key
  private static final String PAGE = """
      select a.id, a.key_id, k.name as key_name, a.method, a.path, a.status, a.request_id, a.before, a.after,
             a.created_at
        from audit_log a left join api_keys k on k.id = a.key_id and k.tenant_id = a.tenant_id
       where a.tenant_id = $1 and a.id < $2 order by a.id desc limit $3""";

  private final Pool pool;

  public AuditLogRepository(Pool pool) {
    this.pool = pool;
  }

  /** @param before the changed resource before the change, or null; {@code after} likewise after it */
  public Future<Void> record(UUID tenantId, UUID keyId, String method, String path, int status, String requestId,
                             JsonObject before, JsonObject after) {
    return pool.preparedQuery(RECORD).execute(Tuple.of(tenantId, keyId, method, path, status, requestId)
        .addValue(before).addValue(after)).mapEmpty();
  }

  /** One page of the trail: its entries, and the id the next page starts below (null on the last page). */
  public record Page(JsonArray items, Long nextBefore) {}

  /** Newest first, entries with an id below {@code before}. */
  public Future<Page> page(UUID tenantId, long before, int limit) {
    // one extra row tells whether another page exists
    return pool.preparedQuery(PAGE).execute(Tuple.of(tenantId, before, limit + 1)).map(rows -> {
      JsonArray items = new JsonArray();
      long last = -1;
      for (var r : rows) {
        if (items.size() == limit) {
          return new Page(items, last);
        }
        last = r.getLong("id");
        items.add(new JsonObject().put("id", last).put("keyId", r.getUUID("key_id").toString())
            .put("keyName", r.getString("key_name"))
            .put("method", r.getString("method")).put("path", r.getString("path"))
            .put("status", r.getInteger("status")).put("requestId", r.getString("request_id"))
            .put("before", r.getValue("before")).put("after", r.getValue("after"))
            .put("at", Timestamps.format(r.getOffsetDateTime("created_at"))));
      }
      return new Page(items, null);
    });
  }
}
