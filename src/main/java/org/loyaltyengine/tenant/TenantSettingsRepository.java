package org.loyaltyengine.tenant;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.ZoneId;
import java.util.UUID;

/** A tenant's policies and configuration versions (the tenants row). */
public final class TenantSettingsRepository {
  private static final String FIND = """
      select id, timezone, currency, pending_days, expiry_policy, expiry_days, rules_version, tiers_version
        from tenants where id = $1""";
  private static final String UPDATE_POLICIES = """
      update tenants set pending_days = $2, expiry_policy = $3, expiry_days = $4, settings_version = settings_version + 1
       where id = $1
      returning id, timezone, currency, pending_days, expiry_policy, expiry_days, rules_version, tiers_version""";

  private final Pool pool;

  public TenantSettingsRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<TenantSettings> find(UUID tenantId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId)).map(rows -> settings(rows.iterator().next()));
  }

  public Future<TenantSettings> updatePolicies(UUID tenantId, int pendingDays, ExpiryPolicy expiry) {
    return pool.preparedQuery(UPDATE_POLICIES)
        .execute(Tuple.of(tenantId, pendingDays, expiry.kind().wireName(), expiry.days()))
        .map(rows -> settings(rows.iterator().next()));
  }

  private static TenantSettings settings(Row r) {
    return new TenantSettings(r.getUUID("id"), ZoneId.of(r.getString("timezone")), r.getString("currency"),
        r.getInteger("pending_days"),
        new ExpiryPolicy(ExpiryPolicy.Kind.parse("expiry.policy", r.getString("expiry_policy")), r.getInteger("expiry_days")),
        r.getInteger("rules_version"), r.getInteger("tiers_version"));
  }
}
