package org.loyaltyengine.ratelimit;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.Optional;
import java.util.UUID;

/** The rate-limit overrides of API keys and tenants, in PostgreSQL (null = the configured default). */
public final class RateLimitRepository {
  private static final String KEY = """
      select rate_limit_per_second, rate_limit_burst, key_hash from api_keys where tenant_id = $1 and id = $2""";
  private static final String SET_KEY = """
      update api_keys set rate_limit_per_second = $3, rate_limit_burst = $4 where tenant_id = $1 and id = $2
      returning rate_limit_per_second, rate_limit_burst, key_hash""";
  private static final String TENANT = "select rate_limit_per_second, rate_limit_burst from tenants where id = $1";
  private static final String SET_TENANT = """
      update tenants set rate_limit_per_second = $2, rate_limit_burst = $3 where id = $1
      returning rate_limit_per_second, rate_limit_burst""";

  /** A key's override (null when none) and the hash its cache entry is filed under. */
  public record KeyOverride(Quota quota, String keyHash) {}

  private final Pool pool;

  public RateLimitRepository(Pool pool) {
    this.pool = pool;
  }

  /** Empty when the tenant has no such key. */
  public Future<Optional<KeyOverride>> key(UUID tenantId, UUID keyId) {
    return pool.preparedQuery(KEY).execute(Tuple.of(tenantId, keyId)).map(rows -> rows.size() == 0 ? Optional.empty()
        : Optional.of(keyOverride(rows.iterator().next())));
  }

  /** Sets ({@code quota} non-null) or clears a key's override; empty when the tenant has no such key. */
  public Future<Optional<KeyOverride>> setKey(UUID tenantId, UUID keyId, Quota quota) {
    return pool.preparedQuery(SET_KEY).execute(Tuple.of(tenantId, keyId, perSecond(quota), burst(quota)))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(keyOverride(rows.iterator().next())));
  }

  /** Empty when there is no such tenant; else its override, or null inside when it has none. */
  public Future<Optional<Optional<Quota>>> tenant(UUID tenantId) {
    return pool.preparedQuery(TENANT).execute(Tuple.of(tenantId)).map(rows -> rows.size() == 0 ? Optional.empty()
        : Optional.of(Optional.ofNullable(quota(rows.iterator().next()))));
  }

  public Future<Optional<Optional<Quota>>> setTenant(UUID tenantId, Quota quota) {
    return pool.preparedQuery(SET_TENANT).execute(Tuple.of(tenantId, perSecond(quota), burst(quota)))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Optional.ofNullable(quota(rows.iterator().next()))));
  }

  private static KeyOverride keyOverride(Row row) {
    return new KeyOverride(quota(row), row.getString("key_hash"));
  }

  private static Quota quota(Row row) {
    Integer perSecond = row.getInteger("rate_limit_per_second");
    Integer burst = row.getInteger("rate_limit_burst");
    return perSecond == null || burst == null ? null : new Quota(perSecond, burst);
  }

  private static Integer perSecond(Quota q) {
    return q == null ? null : q.perSecond();
  }

  private static Integer burst(Quota q) {
    return q == null ? null : q.burst();
  }
}
