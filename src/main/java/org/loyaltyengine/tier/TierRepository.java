package org.loyaltyengine.tier;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.http.JsonInput;

import java.util.UUID;

/** Tier sets are versioned: a change is a new version, and the tenant row points at the active one. */
public final class TierRepository {
  private static final String SAVE = """
      with t as (update tenants set tiers_version = tiers_version + 1 where id = $1 returning tiers_version)
      insert into tier_sets (tenant_id, version, body) select $1, tiers_version, $2 from t returning version""";
  private static final String FIND = "select body from tier_sets where tenant_id = $1 and version = $2";

  private final Pool pool;

  public TierRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<Integer> save(UUID tenantId, TierSet set) {
    return pool.preparedQuery(SAVE).execute(Tuple.of(tenantId, TierSetJson.toJson(set)))
        .map(rows -> rows.iterator().next().getInteger("version"));
  }

  /** Version 0 is "no tiers configured". */
  public Future<TierSet> find(UUID tenantId, int version) {
    if (version == 0) {
      return Future.succeededFuture(TierSet.NONE);
    }
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId, version)).map(rows -> {
      Row r = rows.iterator().next();
      return TierSetJson.parse(JsonInput.of((JsonObject) r.getValue("body")));
    });
  }
}
