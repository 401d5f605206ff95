package org.loyaltyengine.fulfillment;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.Optional;
import java.util.UUID;

/** Partners per tenant. */
public final class PartnerRepository {
  private static final String UPSERT = """
      insert into partners (tenant_id, partner_id, url, api_key, max_concurrency, rate_per_second, batch_size,
                            timeout_ms, max_attempts)
      values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
      on conflict (tenant_id, partner_id) do update set url = $3, api_key = $4, max_concurrency = $5,
        rate_per_second = $6, batch_size = $7, timeout_ms = $8, max_attempts = $9, updated_at = now()""";
  private static final String FIND = "select * from partners where tenant_id = $1 and partner_id = $2";

  private static final String FIRST_PAGE = "select * from partners where tenant_id = $1 order by partner_id limit $2";
  private static final String NEXT_PAGE =
      "select * from partners where tenant_id = $1 and partner_id > $3 order by partner_id limit $2";

  private final Pool pool;

  public PartnerRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<Void> save(UUID tenantId, PartnerConfig p) {
    return pool.preparedQuery(UPSERT).execute(Tuple.of(tenantId, p.partnerId(), p.url(), p.apiKey(), p.maxConcurrency(),
        p.ratePerSecond(), p.batchSize(), p.timeoutMs(), p.maxAttempts())).mapEmpty();
  }

  public Future<Optional<PartnerConfig>> find(UUID tenantId, String partnerId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId, partnerId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      return Optional.of(config(rows.iterator().next()));
    });
  }

  /** Up to {@code limit + 1} partners ordered by id, after {@code after} when given (the extra one says "more"). */
  public Future<java.util.List<PartnerConfig>> page(UUID tenantId, String after, int limit) {
    var rows = after == null
        ? pool.preparedQuery(FIRST_PAGE).execute(Tuple.of(tenantId, limit + 1))
        : pool.preparedQuery(NEXT_PAGE).execute(Tuple.of(tenantId, limit + 1, after));
    return rows.map(set -> {
      java.util.List<PartnerConfig> out = new java.util.ArrayList<>();
      set.forEach(r -> out.add(config(r)));
      return out;
    });
  }

  private static PartnerConfig config(Row r) {
    return new PartnerConfig(r.getString("partner_id"), r.getString("url"), r.getString("api_key"),
        r.getInteger("max_concurrency"), r.getInteger("rate_per_second"), r.getInteger("batch_size"),
        r.getInteger("timeout_ms"), r.getInteger("max_attempts"));
  }
}
