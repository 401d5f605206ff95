package org.loyaltyengine.ledger;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.micrometer.core.instrument.MeterRegistry;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.member.MemberRepository;
import org.loyaltyengine.member.ReadModelWorker;
import org.loyaltyengine.tier.TierLookup;
import org.loyaltyengine.platform.AdvisoryLease;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.tier.TierRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.function.Supplier;

/**
 * The ledger's periodic work: release pending points whose time has come, expire due points, and review
 * tiers at the end of their qualification period. Each batch is one transaction over a bounded number of
 * members; a crash loses at most the batch in flight, which the next tick (here or on another node) does
 * again. Running on several nodes at once would be safe (see V2__earning_ledger.sql), only wasteful, so the
 * jobs run where the {@value #LEASE} lease is held: one node at a time, and a survivor within
 * {@code jobs.leaseRetryMs} of the holder's death.
 */
public final class LedgerJobsVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(LedgerJobsVerticle.class);
  /** The singleton lease of all three jobs: one PostgreSQL connection per node, not three. */
  public static final String LEASE = "ledger.jobs";
  /** Batches per tick at most, so one tick never runs unbounded. */
  private static final int MAX_BATCHES_PER_TICK = 100;
  private static final String TIERED_TENANTS = "select id, tiers_version from tenants where tiers_version > 0";
  private static final String REVIEW = "select * from loyalty_review_tiers($1, $2, $3, $4, $5)";

  private final AppConfig config;
  private final MeterRegistry registry;
  private Pool pool;
  private Redis redis;
  private LedgerRepository ledger;
  private MemberLookup memberViews;
  private TierRepository tiers;
  private AdvisoryLease lease;
  private final java.util.Set<String> running = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public LedgerJobsVerticle(AppConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2).setName("pg-jobs"))
        .connectingTo(config.pg().primary()).using(vertx).build();
    // The tier set read fresh (a cache of 0 ms): the warm-up that follows a tier change must render with the new
    // set, not one cached a moment before (its documents would be stale at once and rebuilt read by read). One
    // settings query per tenant per batch, on a background verticle.
    memberViews = MemberLookup.create(vertx, config, registry, "redis-jobs", client -> redis = client,
        new MemberRepository(pool), TierLookup.standalone(pool, 0), java.time.Clock.systemUTC());
    ledger = new LedgerRepository(pool);
    tiers = new TierRepository(pool);
    AppConfig.Jobs jobs = config.jobs();
    lease = AdvisoryLease.compete(vertx, config.pg().primary(), LEASE, jobs.leaseRetryMs()).reportTo(registry);
    vertx.setPeriodic(jobs.releaseEveryMs(), id -> runExclusive("release", () -> drain(() -> ledger.releaseDue(jobs.batchMembers()), 0)));
    vertx.setPeriodic(jobs.expireEveryMs(), id -> runExclusive("expire", () -> drain(() -> ledger.expireDue(jobs.batchMembers()), 0)));
    vertx.setPeriodic(jobs.tierReviewEveryMs(), id -> runExclusive("tier-review", this::reviewTiers));
    ReadModelWorker warmUp = new ReadModelWorker(pool, memberViews, jobs.batchMembers());
    runWhenLeased("read-model-warm-up", warmUp::runIfIncomplete);
    vertx.setPeriodic(jobs.warmCheckEveryMs(), id -> runExclusive("read-model-warm-up", warmUp::runIfIncomplete));
    return Future.succeededFuture();
  }

  /** Runs {@code work} as soon as this node holds the lease (at start-up, not a whole tick later). */
  private void runWhenLeased(String job, Supplier<Future<?>> work) {
    long[] timer = new long[1];
    timer[0] = vertx.setPeriodic(100, id -> {
      if (lease.held()) {
        vertx.cancelTimer(timer[0]);
        runExclusive(job, work);
      }
    });
    vertx.setTimer(config.jobs().leaseRetryMs() * 3L, id -> vertx.cancelTimer(timer[0])); // others: their tick
  }

  /** Only the lease holder works; a job whose previous tick is still running skips this one rather than piling up. */
  private void runExclusive(String job, Supplier<Future<?>> work) {
    if (!lease.held() || !running.add(job)) {
      return;
    }
    work.get().onComplete(ar -> {
      running.remove(job);
      if (ar.failed()) {
        log.warn("event=job_failed job={} error=\"{}\"", job, ar.cause().toString());
      }
    });
  }

  /** Runs batches until one comes back short (nothing more is due) or the per-tick bound is reached. */
  private Future<?> drain(Supplier<Future<RowSet<Row>>> batch, int done) {
    return batch.get().compose(rows -> memberViews.refreshRows(rows, true).compose(v ->
        rows.size() >= config.jobs().batchMembers() && done + 1 < MAX_BATCHES_PER_TICK
            ? drain(batch, done + 1) : Future.succeededFuture()));
  }

  private Future<?> reviewTiers() {
    return pool.preparedQuery(TIERED_TENANTS).execute().compose(tenants -> {
      Future<?> chain = Future.succeededFuture();
      for (Row t : tenants) {
        UUID tenantId = t.getUUID("id");
        int version = t.getInteger("tiers_version");
        chain = chain.compose(v -> tiers.find(tenantId, version).compose(set ->
            drain(() -> pool.preparedQuery(REVIEW).execute(Tuple.of(tenantId, set.codes(), set.thresholds(),
                set.windowDays(), config.jobs().batchMembers())), 0)));
      }
      return chain;
    });
  }

  @Override
  public Future<?> stop() {
    redis.close();
    return lease.close().eventually(() -> pool.close());
  }
}
