package org.loyaltyengine.audit;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.Timestamps;

import java.util.UUID;

/** The audit trail of administrative API calls (audit_log, V10), pruned by the retention job. */
public final class AuditLogRepository {
  private static final String RECORD = """
      insert into audit_log (tenant_id, key_id, method, path, status, request_id) values ($1, $2, $3, $4, $5, $6)""";
  private static final String PAGE = """
      select id, key_id, method, path, status, request_id, created_at from audit_log
       where tenant_id = $1 and id < $2 order by id desc limit $3""";

  private final Pool pool;

  public AuditLogRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<Void> record(UUID tenantId, UUID keyId, String method, String path, int status, String requestId) {
    return pool.preparedQuery(RECORD).execute(Tuple.of(tenantId, keyId, method, path, status, requestId)).mapEmpty();
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
            .put("method", r.getString("method")).put("path", r.getString("path"))
            .put("status", r.getInteger("status")).put("requestId", r.getString("request_id"))
            .put("at", Timestamps.format(r.getOffsetDateTime("created_at"))));
      }
      return new Page(items, null);
    });
  }
}
