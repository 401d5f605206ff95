package org.loyaltyengine.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgException;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import org.loyaltyengine.fraud.Attempt;
import org.loyaltyengine.fraud.FraudAction;
import org.loyaltyengine.fraud.FraudPolicy;
import org.loyaltyengine.fraud.FraudRepository;
import org.loyaltyengine.fraud.FraudScreenClient;
import org.loyaltyengine.fraud.FraudVerdict;
import org.loyaltyengine.ledger.Earning;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.member.MemberRepository;
import org.loyaltyengine.tier.TierLookup;
import org.loyaltyengine.platform.AdvisoryLease;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.platform.Backlog;
import org.loyaltyengine.platform.NodeState;
import org.loyaltyengine.rules.CompiledRuleSet;
import org.loyaltyengine.rules.RuleSetRepository;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tenant.TenantSettingsRepository;
import org.loyaltyengine.tier.TierRepository;
import org.loyaltyengine.tier.TierSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * Applies the inbox. Work partitions are shared out by {@link AdvisoryLease}s, one per partition, so exactly
 * one node at a time works a partition, and everything it writes goes through the lease's own connection: a
 * node that lost its lease cannot write beside the new owner.
 *
 * <p>A round takes the partition's first pending items (at most {@code chunkItems}, in inbox order), and per
 * tenant among them: reads the facts their evaluation needs in a few set-based queries, evaluates them in
 * order ({@link ChunkPlanner}), and applies the whole group in one statement inside a transaction that also
 * fences the touched members' cached snapshots before it commits, so once an item shows as applied its
 * points show in the member's status. When something the evaluation relied on moved meanwhile (a concurrent
 * earning grew a cap, a balance or an id), the group is read, evaluated and applied again; when a group keeps
 * failing, its items are applied one by one, so one bad item fails alone and a member's later items wait
 * behind an item that cannot be applied yet.
 *
 * <p>When the tenant's fraud checks look at earnings, a group's planned earnings are screened together before
 * the commit, as the API screens each write (docs/fraud.md): a held item is written held for review, a rejected
 * one fails with {@code fraud_rejected}.
 *
 * <p>Deployed as a worker verticle: evaluating a chunk is CPU work that must not hold up an event loop.
 */
public final class IngestWorkerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(IngestWorkerVerticle.class);
  /** Attempts of a group whose facts moved before it is applied item by item. */
  static final int MAX_ATTEMPTS = 5;
  private static final long MAINTENANCE_EVERY_MS = 3_600_000;
  private static final long BACKLOG_EVERY_MS = 5_000;
  /**
   * SQLSTATEs after which reading, evaluating and applying again can succeed: a cap or budget that moved
   * (R__earning.sql), an id taken meanwhile (23505), a deadlock or serialization failure.
   */
  private static final Set<String> RETRYABLE = Set.of("LY002", "LY003", "23505", "40P01", "40001");
  private final Clock clock = Clock.systemUTC();

  private final AppConfig config;
  private final NodeState caches;
  private final MeterRegistry registry;
  private final int index;
  private final Map<Integer, AdvisoryLease> leases = new TreeMap<>();
  private final Set<Integer> busy = new HashSet<>();
  private final Map<ItemStatus, Counter> settledItems = new EnumMap<>(ItemStatus.class);
  private Counter retries;
  private Pool pool;
  private Redis redis;
  private MemberLookup memberViews;
  private InboxRepository inbox;
  private IngestLedgerRepository ledger;
  private TenantSettingsRepository settings;
  private TierRepository tiers;
  private RuleSetRepository ruleSets;
  private FraudRepository fraudRepository;
  private FraudScreenClient fraud;

  /** @param index this verticle's place among the node's ingest verticles: it works partitions p with p % instances == index */
  public IngestWorkerVerticle(AppConfig config, NodeState caches, MeterRegistry registry, int index) {
    this.config = config;
    this.caches = caches;
    this.registry = registry;
    this.index = index;
  }

  /** A tenant's policies, tiers and compiled rules, as the chunk is evaluated under them. */
  private record Setting(TenantSettings tenant, TierSet tiers, CompiledRuleSet rules) {}

  @Override
  public Future<?> start() {
    AppConfig.Ingest ingest = config.ingest();
    // Chunks are read and written on the partitions' lease connections; this pool loads tenant settings, tiers
    // and rule sets (cached), reads the applied members' views for the read model and maintains the partitions.
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setName("pg-ingest"))
        .connectingTo(config.pg().primary()).using(vertx).build();
    inbox = new InboxRepository(pool);
    ledger = new IngestLedgerRepository();
    settings = new TenantSettingsRepository(pool);
    tiers = new TierRepository(pool);
    memberViews = MemberLookup.create(vertx, config, registry, "redis-ingest", client -> redis = client,
        new MemberRepository(pool), new TierLookup(caches.tenants(), settings, caches.tiers(), tiers),
        java.time.Clock.systemUTC());
    ruleSets = new RuleSetRepository(pool);
    fraudRepository = new FraudRepository(pool);
    fraud = new FraudScreenClient(vertx.eventBus(), config.fraud().timeoutMs(), config.fraud().enabled(),
        caches.fraudPolicies(), fraudRepository::policy, caches.fraudRates());
    for (ItemStatus s : List.of(ItemStatus.APPLIED, ItemStatus.DUPLICATE, ItemStatus.FAILED)) {
      settledItems.put(s, Counter.builder("loyalty_ingest_items").tag("status", s.wireName())
          .description("Inbox items settled by this node's ingest workers, by outcome").register(registry));
    }
    retries = Counter.builder("loyalty_ingest_retries").description(
        "Chunks read, evaluated and applied again because a counter, balance or id moved under them").register(registry);
    for (int p = index; p < ingest.partitions(); p += ingest.instances()) {
      leases.put(p, AdvisoryLease.compete(vertx, config.pg().primary(), "ingest.partition." + p, ingest.leaseRetryMs()));
    }
    vertx.setPeriodic(ingest.pollMs(), id -> leases.keySet().forEach(this::pump));
    if (index == 0) {
      // The ingestion lag the alerting rules watch: accepted items not yet applied, and how long the oldest waits.
      Backlog backlog = Backlog.register(registry, "loyalty_ingest_pending_items",
          "loyalty_ingest_oldest_pending_age_seconds", "Accepted inbox items not yet applied");
      vertx.setPeriodic(BACKLOG_EVERY_MS, id -> inbox.backlog(ingest.partitions()).onSuccess(backlog::update)
          .onFailure(err -> log.debug("event=ingest_backlog_failed error=\"{}\"", err.toString())));
      maintain();
      vertx.setPeriodic(MAINTENANCE_EVERY_MS, id -> maintain());
      inbox.stranded(ingest.partitions()).onSuccess(n -> {
        if (n > 0) {
          log.warn("event=ingest_items_stranded items={} partitions={} reason=\"pending items in partitions this "
              + "configuration does not have; set LOYALTY_INGEST_PARTITIONS back until they are applied\"", n,
              ingest.partitions());
        }
      });
    }
    return Future.succeededFuture();
  }

  /** Daily partitions ahead, and retention. Safe on every node at once (the functions serialise). */
  private void maintain() {
    inbox.prepare(InboxRepository.DAYS_AHEAD).compose(made -> inbox.retire(config.ingest().retentionDays())
            .map(dropped -> made + " made, " + dropped + " dropped"))
        .onSuccess(what -> log.info("event=inbox_partitions {}", what))
        .onFailure(err -> log.warn("event=inbox_maintenance_failed error=\"{}\"", err.toString()));
  }

  /** One round at a time per partition; a full round means more is pending, so it goes again at once. */
  private void pump(int partition) {
    AdvisoryLease lease = leases.get(partition);
    if (busy.contains(partition) || !lease.held()) {
      return;
    }
    busy.add(partition);
    lease.<Integer>whileHeld(connection -> round(connection, partition)).onComplete(ar -> {
      busy.remove(partition);
      if (ar.failed()) {
        log.warn("event=ingest_round_failed partition={} error=\"{}\"", partition, ar.cause().toString());
      } else if (ar.result() >= config.ingest().chunkItems()) {
        vertx.runOnContext(v -> pump(partition));
      }
    });
  }

  private Future<Integer> round(SqlConnection connection, int partition) {
    return inbox.claim(connection, partition, config.ingest().chunkItems()).compose(claim -> {
      Future<Void> chain = settleUnreadable(connection, claim.unreadable());
      Map<UUID, List<InboxItem>> byTenant = new LinkedHashMap<>();
      claim.items().forEach(item -> byTenant.computeIfAbsent(item.tenantId(), k -> new ArrayList<>()).add(item));
      for (Map.Entry<UUID, List<InboxItem>> group : byTenant.entrySet()) {
        chain = chain.compose(v -> apply(connection, group.getKey(), group.getValue(), 1).mapEmpty());
      }
      return chain.map(claim.size());
    });
  }

  /**
   * Applies one tenant's items; true when every one of them was settled, false when some wait for the next
   * round (they stay pending, and so do their members' later items).
   */
  private Future<Boolean> apply(SqlConnection connection, UUID tenantId, List<InboxItem> items, int attempt) {
    return setting(tenantId)
        .compose(s -> fraud.policy(tenantId).compose(policy -> ledger.facts(connection, s.tenant(), s.tiers(),
            s.rules(), items).compose(facts -> screenAndCommit(connection, s, policy, items, facts))))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(ar.cause());
          }
          ChunkPlan plan = ar.result().plan();
          count(ItemStatus.APPLIED, plan.earnings().size());
          plan.settled().forEach(item -> count(item.status(), 1));
          return Future.succeededFuture(ar.result());
        })
        .compose(step -> step.rest().isEmpty() ? Future.succeededFuture(true)
                // the rest, read, planned and screened again on what the step wrote; it recovers on its own
                : apply(connection, tenantId, step.rest(), 1),
            err -> {
          boolean retryable = isRetryable(err);
          if (!retryable && !isCausedByItems(err)) {
            return Future.failedFuture(err); // the database, the connection or this code: the round is tried again
          }
          if (retryable && attempt < MAX_ATTEMPTS) {
            retries.increment();
            return vertx.timer(10L * attempt).compose(t -> apply(connection, tenantId, items, attempt + 1));
          }
          if (items.size() > 1) {
            log.info("event=ingest_group_split tenant={} items={} error=\"{}\"", tenantId, items.size(), err.toString());
            return oneByOne(connection, tenantId, items);
          }
          InboxItem item = items.get(0);
          if (retryable) {
            log.info("event=ingest_item_deferred tenant={} batch={} seq={} error=\"{}\"", tenantId, item.batch(),
                item.seq(), err.toString());
            return Future.succeededFuture(false);
          }
          log.error("event=ingest_item_failed tenant={} batch={} seq={} item={}", tenantId, item.batch(), item.seq(),
              item.itemId(), err);
          String state = err instanceof PgException pg ? " (" + pg.getSqlState() + ")" : "";
          return ledger.settle(connection, tenantId, List.of(ChunkPlan.SettledItem.failed(item.key(),
                  "processing_failed", "the item could not be applied" + state + "; see the server log", null)))
              .map(v -> {
                count(ItemStatus.FAILED, 1);
                return true;
              });
        });
  }

  /**
   * What one pass applied ({@code plan}), and the items left for the next pass: none, unless a fraud check
   * did not allow an item of the group.
   */
  private record Step(ChunkPlan plan, List<InboxItem> rest) {}

  /**
   * Plans the group and, when the tenant's checks look at earnings, screens its earnings with one request to
   * the fraud workers (judged in order, each seeing the earlier ones as written) before committing:
   * <ul>
   *   <li>all allowed: the whole group in one statement, as without checks;</li>
   *   <li>checks unavailable: the tenant's onFailure verdict for every item at once (all held, or all let
   *       through), in one statement;</li>
   *   <li>else the items up to the first one not allowed, that one held (written held for review) or rejected
   *       (failed {@code fraud_rejected}, nothing written): their verdicts were judged on exactly what they write.
   *       The items after it are planned and screened again on what was written, in the next step.</li>
   * </ul>
   * A tenant without checks on earnings pays one cached lookup per group, no event-bus request.
   */
  private Future<Step> screenAndCommit(SqlConnection connection, Setting s, FraudPolicy policy, List<InboxItem> items,
                                       ChunkFacts facts) {
    ChunkPlan plan = ChunkPlanner.plan(items, facts);
    if (!policy.covers(Attempt.Kind.EARNING) || plan.earnings().isEmpty()) {
      return commit(connection, s, plan, List.of()).map(p -> new Step(p, List.of()));
    }
    Instant now = clock.instant();
    List<Attempt> attempts = new ArrayList<>(plan.earnings().size());
    for (ChunkPlan.PlannedEarning e : plan.earnings()) {
      attempts.add(new Attempt(Attempt.Kind.EARNING, s.tenant().tenantId(), e.memberId(), e.item().itemId(), e.points(),
          now, null, e.item().fraud()));
    }
    return fraud.screenAll(policy, attempts).compose(screening -> {
      List<FraudVerdict> verdicts = screening.verdicts();
      int k = 0;
      while (k < verdicts.size() && verdicts.get(k).action() == FraudAction.ALLOW) {
        k++;
      }
      if (k == verdicts.size()) {
        return commit(connection, s, plan, attempts).map(p -> new Step(p, List.of()));
      }
      if (screening.unavailable()) { // one verdict for all, whatever the items carry
        Map<InboxItem.Key, FraudVerdict> all = new HashMap<>();
        plan.earnings().forEach(e -> all.put(e.item().key(), verdicts.get(0)));
        return commit(connection, s, ChunkPlanner.plan(items, facts, all), attempts).map(p -> new Step(p, List.of()));
      }
      FraudVerdict verdict = verdicts.get(k);
      InboxItem flagged = plan.earnings().get(k).item();
      int cut = items.indexOf(flagged) + 1;
      ChunkPlan upTo = ChunkPlanner.plan(items.subList(0, cut), facts, Map.of(flagged.key(), verdict));
      List<Attempt> written = attempts.subList(0, verdict.action() == FraudAction.REJECT ? k : k + 1);
      return commit(connection, s, upTo, written)
          .map(p -> new Step(p, List.copyOf(items.subList(cut, items.size()))));
    });
  }

  /** In inbox order; an item left pending holds back its member's later items, as order requires. */
  private Future<Boolean> oneByOne(SqlConnection connection, UUID tenantId, List<InboxItem> items) {
    Set<String> heldBack = new HashSet<>();
    Future<Boolean> chain = Future.succeededFuture(true);
    for (InboxItem item : items) {
      chain = chain.compose(allSettled -> {
        if (heldBack.contains(item.memberExternalId())) {
          return Future.succeededFuture(false);
        }
        return apply(connection, tenantId, List.of(item), 1).map(settled -> {
          if (!settled) {
            heldBack.add(item.memberExternalId());
          }
          return allSettled && settled;
        });
      });
    }
    return chain;
  }

  /**
   * The plan's statement in its transaction, then the read-model documents of the members it changed (after
   * the commit: a view read before it could not see the chunk).
   */
  private Future<ChunkPlan> commit(SqlConnection connection, Setting s, ChunkPlan plan, List<Attempt> screened) {
    UUID tenantId = s.tenant().tenantId();
    return connection.begin().compose(tx -> ledger.apply(connection, tenantId, s.tenant().currency(), s.tiers(), plan)
        .compose(changed -> holds(connection, tenantId, plan).compose(v -> fraudRepository.signals(connection, screened))
            .map(changed))
        .compose(changed -> tx.commit().map(changed))
        .transform(ar -> ar.succeeded() ? Future.succeededFuture(ar.result())
            : tx.rollback().transform(ignored -> Future.<IngestLedgerRepository.Applied>failedFuture(ar.cause()))))
        // the chunk's purchases added to the histories the documents hold (events change no history)
        .compose(changed -> memberViews.refreshAddingPurchases(tenantId,
            changed.fences().stream().map(IngestLedgerRepository.Fence::externalId).toList(), changed.purchases()))
        .map(plan);
  }

  /** The held earnings of the plan, marked held in the same transaction (rare: one statement each). */
  private Future<Void> holds(SqlConnection connection, UUID tenantId, ChunkPlan plan) {
    Future<Void> chain = Future.succeededFuture();
    for (ChunkPlan.PlannedEarning e : plan.earnings()) {
      if (e.hold() != null) {
        List<Instant> releaseAt = e.lots().stream().map(Earning.Lot::availableAt).toList();
        chain = chain.compose(v -> fraudRepository.holdEarning(connection, tenantId, e.memberId(),
            e.item().kind().causeType(), e.item().itemId(), releaseAt, e.hold().findings(), e.hold().usage(),
            e.hold().budgets()).mapEmpty());
      }
    }
    return chain;
  }

  private Future<Setting> setting(UUID tenantId) {
    return caches.tenants().get(tenantId, settings::find).compose(t ->
        caches.tiers().get(tenantId, t.tiersVersion(), () -> tiers.find(tenantId, t.tiersVersion())).compose(tierSet ->
            caches.rules().get(tenantId, t.rulesVersion(), () -> ruleSets.find(tenantId, t.rulesVersion()))
                .map(rules -> new Setting(t, tierSet, rules))));
  }

  /** Items stored by an earlier version that this one no longer accepts fail with the reason it gives. */
  private Future<Void> settleUnreadable(SqlConnection connection, List<InboxRepository.Unreadable> unreadable) {
    Map<UUID, List<ChunkPlan.SettledItem>> byTenant = new LinkedHashMap<>();
    for (InboxRepository.Unreadable u : unreadable) {
      byTenant.computeIfAbsent(u.tenantId(), k -> new ArrayList<>()).add(ChunkPlan.SettledItem.failed(u.key(),
          "invalid_item", u.reason().getMessage(), u.reason().field()));
    }
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<UUID, List<ChunkPlan.SettledItem>> group : byTenant.entrySet()) {
      chain = chain.compose(v -> ledger.settle(connection, group.getKey(), group.getValue())
          .onSuccess(done -> count(ItemStatus.FAILED, group.getValue().size())));
    }
    return chain;
  }

  private void count(ItemStatus status, int n) {
    Counter c = settledItems.get(status);
    if (c != null && n > 0) {
      c.increment(n);
    }
  }

  private static boolean isRetryable(Throwable err) {
    return err instanceof PgException pg && RETRYABLE.contains(pg.getSqlState());
  }

  /**
   * Whether the items themselves can be what failed, so that applying them one by one isolates the bad one:
   * a PostgreSQL data exception (class 22: an overflow, say), an integrity violation (23) or a broken ledger
   * invariant (LY999), or an exception of the evaluation. Anything else (connection trouble, time-outs, an
   * undefined function after a bad deployment, LY008 when a lease changed hands) is no item's fault: the
   * round fails and is tried again, and no item is failed for it.
   */
  private static boolean isCausedByItems(Throwable err) {
    if (err instanceof PgException pg) {
      String state = String.valueOf(pg.getSqlState());
      return state.startsWith("22") || state.startsWith("23") || state.equals("LY999");
    }
    for (Throwable c = err; c != null; c = c.getCause()) {
      if (c instanceof IOException || c instanceof TimeoutException || c.getClass().getName().startsWith("io.netty")
          || c.getClass().getName().startsWith("io.vertx")) {
        return false;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return err instanceof RuntimeException;
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    leases.values().forEach(lease -> closing.add(lease.close()));
    return Future.join(closing).eventually(() -> pool.close()).eventually(() -> {
      redis.close();
      return Future.succeededFuture();
    });
  }
}
