package org.loyaltyengine.retention;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.loyaltyengine.platform.AdvisoryLease;
import org.loyaltyengine.platform.AppConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The pruning job: every {@code retention.everyMs}, on exactly one node (the holder of the
 * {@code retention.prune} lease), deletes each tenant's data older than its retention in batches of
 * {@code retention.batchRows}, oldest first. Bounded per run, so a large backlog is worked off over
 * several runs instead of one long one.
 */
public final class RetentionVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RetentionVerticle.class);
  public static final String LEASE = "retention.prune";

  private final AppConfig config;
  private final MeterRegistry registry;
  private final Map<RetentionRepository.Target, Counter> pruned = new EnumMap<>(RetentionRepository.Target.class);
  private Counter dedupePruned;
  private Pool pool;
  private RetentionRepository retention;
  private AdvisoryLease lease;
  private boolean running;

  public RetentionVerticle(AppConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setName("pg-retention"))
        .connectingTo(config.pg().primary()).using(vertx).build();
    retention = new RetentionRepository(pool);
    for (RetentionRepository.Target t : RetentionRepository.Target.values()) {
      pruned.put(t, Counter.builder("loyalty_retention_pruned_rows").tag("table", t.table())
          .description("Rows deleted by the retention job").register(registry));
    }
    dedupePruned = Counter.builder("loyalty_retention_pruned_rows").tag("table", "analytics_applied_events")
        .description("Rows deleted by the retention job").register(registry);
    lease = AdvisoryLease.compete(vertx, config.pg().primary(), LEASE, config.retention().leaseRetryMs());
    vertx.setPeriodic(config.retention().everyMs(), id -> runOnce());
    return Future.succeededFuture();
  }

  /** One pruning run, if this node holds the lease and no run is in progress. */
  void runOnce() {
    if (running || !lease.held()) {
      return;
    }
    running = true;
    long started = System.nanoTime();
    retention.all()
        .compose(this::pruneTenants)
        .compose(sum -> drain(rows -> retention.pruneAnalyticsDedupe(config.retention().analyticsDedupeDays(), rows),
            dedupePruned, 0).map(n -> sum + n))
        .onComplete(ar -> {
          running = false;
          if (ar.failed()) {
            log.warn("event=retention_failed error=\"{}\"", ar.cause().toString());
          } else if (ar.result() > 0) {
            log.info("event=retention_pruned rows={} ms={}", ar.result(), (System.nanoTime() - started) / 1_000_000);
          }
        });
  }

  private Future<Long> pruneTenants(List<RetentionRepository.TenantPolicy> tenants) {
    Future<Long> total = Future.succeededFuture(0L);
    for (RetentionRepository.TenantPolicy tenant : tenants) {
      for (RetentionRepository.Target target : RetentionRepository.Target.values()) {
        total = total.compose(sum -> drain(rows -> retention.pruneBatch(target, tenant, rows), pruned.get(target), 0)
            .map(n -> sum + n));
      }
    }
    return total;
  }

  /**
   * Runs {@code batch} (one delete of at most {@code batchRows} rows) until one comes back short, the per-run
   * bound is reached or the lease is gone; counts what went in {@code counter}.
   */
  private Future<Long> drain(IntFunction<Future<Integer>> batch, Counter counter, int batches) {
    int batchRows = config.retention().batchRows();
    return batch.apply(batchRows).compose(deleted -> {
      counter.increment(deleted);
      boolean more = deleted >= batchRows && batches + 1 < config.retention().maxBatchesPerRun() && lease.held();
      return more ? drain(batch, counter, batches + 1).map(n -> n + deleted) : Future.succeededFuture((long) deleted);
    });
  }

  @Override
  public Future<?> stop() {
    return lease.close().eventually(() -> pool.close());
  }
}
