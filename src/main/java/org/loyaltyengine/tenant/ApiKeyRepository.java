package org.loyaltyengine.tenant;

import org.loyaltyengine.platform.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.ratelimit.Quota;
import org.loyaltyengine.ratelimit.Quotas;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** API keys: looked up by hash on every uncached request, always on the primary so revocation is immediate. */
public final class ApiKeyRepository {
  private static final String FIND_ACTIVE = """
      select k.id, k.tenant_id, k.scopes, k.rate_limit_per_second, k.rate_limit_burst,
             t.rate_limit_per_second as tenant_per_second, t.rate_limit_burst as tenant_burst
        from api_keys k join tenants t on t.id = k.tenant_id
       where k.key_hash = $1 and k.revoked_at is null""";
  private static final String CREATE =
      "insert into api_keys (id, tenant_id, name, key_hash, key_prefix, scopes) values ($1, $2, $3, $4, $5, $6)";
  private static final String REVOKE = """
      update api_keys set revoked_at = coalesce(revoked_at, now())
      where tenant_id = $1 and id = $2 returning key_hash""";
  private static final String LIST = """
      select id, name, key_prefix, scopes, created_at, revoked_at from api_keys
      where tenant_id = $1 order by created_at, id""";

  private final Pool pool;

  public ApiKeyRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<Optional<Caller>> findActive(String keyHash) {
    return pool.preparedQuery(FIND_ACTIVE).execute(Tuple.of(keyHash)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(new Caller(row.getUUID("tenant_id"), row.getUUID("id"), scopes(row.getArrayOfStrings("scopes")),
          new Quotas(quota(row.getInteger("rate_limit_per_second"), row.getInteger("rate_limit_burst")),
              quota(row.getInteger("tenant_per_second"), row.getInteger("tenant_burst")))));
    });
  }

  public Future<UUID> create(UUID tenantId, ApiKeyDraft draft, ApiKeySecret secret) {
    UUID id = UUID.randomUUID();
    String[] scopes = draft.scopes().stream().map(Scope::wireName).sorted().toArray(String[]::new);
    return pool.preparedQuery(CREATE)
        .execute(Tuple.of(id, tenantId, draft.name(), secret.hash(), secret.prefix(), scopes))
        .map(rows -> id);
  }

  /** The revoked key's hash, or empty when the tenant has no such key. Revoking twice is harmless. */
  public Future<Optional<String>> revoke(UUID tenantId, UUID keyId) {
    return pool.preparedQuery(REVOKE).execute(Tuple.of(tenantId, keyId)).map(rows ->
        rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("key_hash")));
  }

  public Future<JsonArray> list(UUID tenantId) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId)).map(rows -> {
      JsonArray items = new JsonArray();
      for (Row row : rows) {
        items.add(new JsonObject()
            .put("id", row.getUUID("id").toString())
            .put("name", row.getString("name"))
            .put("keyPrefix", row.getString("key_prefix"))
            .put("scopes", new JsonArray(java.util.List.of(row.getArrayOfStrings("scopes"))))
            .put("createdAt", Timestamps.format(row.getOffsetDateTime("created_at")))
            .put("revokedAt", Timestamps.format(row.getOffsetDateTime("revoked_at"))));
      }
      return items;
    });
  }

  /** An override, or null (the default applies) when the columns are null. */
  public static Quota quota(Integer perSecond, Integer burst) {
    return perSecond == null || burst == null ? null : new Quota(perSecond, burst);
  }

  private static Set<Scope> scopes(String[] names) {
    Set<Scope> out = EnumSet.noneOf(Scope.class);
    for (String n : names) {
      out.add(Scope.parse("scopes", n));
    }
    return out;
  }
}
