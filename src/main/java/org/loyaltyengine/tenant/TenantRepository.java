package org.loyaltyengine.tenant;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.DbErrors;
import org.loyaltyengine.platform.Rejection;

import java.util.UUID;

/** Tenants, created together with their first admin key in one statement. */
public final class TenantRepository {
  private static final String CREATE = """
      with t as (insert into tenants (id, name, timezone, currency) values ($1, $2, $3, $4) returning id)
      insert into api_keys (id, tenant_id, name, key_hash, key_prefix, scopes)
      select $5, t.id, 'admin', $6, $7, array['admin'] from t""";

  private final Pool pool;

  public TenantRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<UUID> create(TenantDraft draft, ApiKeySecret adminKey) {
    UUID tenantId = UUID.randomUUID();
    return pool.preparedQuery(CREATE)
        .execute(Tuple.of(tenantId, draft.name(), draft.timezone(), draft.currency(), UUID.randomUUID(),
            adminKey.hash(), adminKey.prefix()))
        .map(rows -> tenantId)
        .recover(err -> DbErrors.isUniqueViolation(err, "tenants_name_key")
            ? Future.failedFuture(Rejection.conflict("tenant_exists", "a tenant named \"" + draft.name() + "\" already exists", "name"))
            : Future.failedFuture(err));
  }
}
