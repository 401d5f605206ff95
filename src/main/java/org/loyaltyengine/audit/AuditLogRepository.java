package org.loyaltyengine.audit;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

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

  /** Newest first, entries with an id below {@code before}; the page's last id is the next cursor. */
  public Future<JsonObject> page(UUID tenantId, long before, int limit) {
    return pool.preparedQuery(PAGE).execute(Tuple.of(tenantId, before, limit)).map(rows -> {
      JsonArray entries = new JsonArray();
      long last = -1;
      for (var r : rows) {
        last = r.getLong("id");
        entries.add(new JsonObject().put("id", last).put("keyId", r.getUUID("key_id").toString())
            .put("method", r.getString("method")).put("path", r.getString("path"))
            .put("status", r.getInteger("status")).put("requestId", r.getString("request_id"))
            .put("at", r.getOffsetDateTime("created_at").toInstant().toString()));
      }
      JsonObject page = new JsonObject().put("entries", entries);
      if (rows.size() == limit) {
        page.put("nextBefore", last);
      }
      return page;
    });
  }
}
