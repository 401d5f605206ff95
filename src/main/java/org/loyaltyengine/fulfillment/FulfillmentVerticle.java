package org.loyaltyengine.fulfillment;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.member.MemberRepository;
import org.loyaltyengine.tier.TierLookup;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.platform.Backlog;
import org.loyaltyengine.platform.InFlightLimit;
import org.loyaltyengine.platform.TargetLookup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Works the fulfillment queue: leases due jobs in batches, groups them per tenant partner, and calls each
 * partner in batches within its concurrency and rate limits, behind one circuit breaker per partner. Issued
 * cards fulfil their redemptions; per-item rejections (or retries exhausted) fail and refund them, once;
 * transient failures come back later with exponential backoff and jitter. While a partner's circuit is
 * open its jobs wait without calls, without refunds and without using up their attempts. Any number of
 * these verticles, on any node, can work the same queue: leases keep them apart, and a crashed worker's
 * jobs are reclaimed when their lease runs out.
 */
public final class FulfillmentVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(FulfillmentVerticle.class);

  private final AppConfig config;
  private final MeterRegistry registry;
  private final PartnerCircuits circuits;
  private final Map<String, CircuitBreaker> breakers = new HashMap<>();
  private final Map<String, InFlightLimit> permits = new HashMap<>();
  private final Map<String, RateLimit> rates = new HashMap<>();
  private Pool pool;
  private Redis redis;
  private FulfillmentRepository jobs;
  private PartnerRepository partners;
  private PartnerClient client;
  private MemberLookup memberViews;
  private Backoff backoff;
  private boolean polling;

  public FulfillmentVerticle(AppConfig config, MeterRegistry registry, PartnerCircuits circuits) {
    this.config = config;
    this.registry = registry;
    this.circuits = circuits;
  }

  @Override
  public Future<?> start() {
    AppConfig.Fulfillment f = config.fulfillment();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setName("pg-fulfillment"))
        .connectingTo(config.pg().primary()).using(vertx).build();
    memberViews = MemberLookup.create(vertx, config, registry, "redis-fulfillment", client -> redis = client,
        new MemberRepository(pool), TierLookup.standalone(pool, config.cache().tenantTtlMs()), java.time.Clock.systemUTC());
    jobs = new FulfillmentRepository(pool);
    partners = new PartnerRepository(pool);
    client = new PartnerClient(vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64)), TargetLookup.partners(vertx, config));
    backoff = new Backoff(f.backoffBaseMs(), f.backoffCapMs());
    Backlog queue = Backlog.register(registry, "loyalty_fulfillment_queue_depth",
        "loyalty_fulfillment_queue_oldest_age_seconds", "Fulfillment jobs not yet done (queued or leased)");
    // Shared by every fulfillment instance of the node (the same PartnerCircuits): one series, whatever the tenants.
    Gauge.builder("loyalty_partner_circuits_open", circuits, c -> c.open().size())
        .description("Partner circuits open on this node").register(registry);
    vertx.setPeriodic(f.pollMs(), id -> poll());
    vertx.setPeriodic(5_000, id -> jobs.depth().onSuccess(queue::update));
    return Future.succeededFuture();
  }

  /** One claim at a time per verticle; a full claim means more is due, so it goes again at once. */
  private void poll() {
    if (polling) {
      return;
    }
    polling = true;
    AppConfig.Fulfillment f = config.fulfillment();
    jobs.claim(f.claimBatch(), (int) f.leaseMs())
        .compose(claimed -> {
          Map<String, List<FulfillmentJob>> byPartner = new LinkedHashMap<>();
          claimed.forEach(j -> byPartner.computeIfAbsent(j.circuit(), k -> new ArrayList<>()).add(j));
          List<Future<Void>> groups = new ArrayList<>();
          byPartner.values().forEach(group -> groups.add(work(group)));
          return Future.join(groups).map(done -> claimed.size());
        })
        .onComplete(ar -> {
          polling = false;
          if (ar.failed()) {
            log.warn("event=fulfillment_poll_failed error=\"{}\"", ar.cause().toString());
          } else if (ar.result() >= f.claimBatch()) {
            vertx.runOnContext(v -> poll());
          }
        });
  }

  private Future<Void> work(List<FulfillmentJob> group) {
    FulfillmentJob first = group.get(0);
    return partners.find(first.tenantId(), first.partnerId()).compose(found -> {
      if (found.isEmpty()) {
        log.warn("event=partner_not_configured tenant={} partner={} jobs={}", first.tenantId(), first.partnerId(), group.size());
        return settleAll(group, j -> jobs.retry(j.id(), config.fulfillment().circuitResetMs(), "partner not configured", false));
      }
      PartnerConfig partner = found.get();
      CircuitBreaker breaker = breaker(first.circuit(), partner);
      if (breaker.state() == CircuitBreakerState.OPEN) {
        return settleAll(group, j -> jobs.retry(j.id(), config.fulfillment().circuitResetMs(), "circuit open", false));
      }
      List<Future<Void>> batches = new ArrayList<>();
      for (int i = 0; i < group.size(); i += partner.batchSize()) {
        List<FulfillmentJob> batch = group.subList(i, Math.min(group.size(), i + partner.batchSize()));
        batches.add(permits(first.circuit(), partner).run(() -> afterRateLimit(first.circuit(), partner, batch.size())
            .compose(v -> breaker.<Map<String, PartnerClient.Outcome>>execute(() -> client.issue(partner, items(batch))))
            .transform(ar -> ar.succeeded() ? settle(batch, ar.result(), partner) : retryOrFail(batch, ar.cause(), partner)))
            .recover(e -> e instanceof InFlightLimit.QueueFull // not an attempt: the jobs wait for a later poll
                ? settleAll(batch, j -> jobs.retry(j.id(), config.fulfillment().pollMs(), "waiting for a partner slot", false))
                : Future.failedFuture(e)));
      }
      return Future.join(batches).mapEmpty();
    });
  }

  private static List<PartnerClient.Item> items(List<FulfillmentJob> batch) {
    return batch.stream().map(j -> new PartnerClient.Item(j.redemptionId(), j.sku(), j.quantity())).toList();
  }

  private Future<Void> afterRateLimit(String circuit, PartnerConfig partner, int items) {
    long waitMs = rates.computeIfAbsent(circuit, k -> new RateLimit(partner.ratePerSecond(), System.nanoTime()))
        .reserve(items, System.nanoTime());
    if (waitMs == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> later = Promise.promise();
    vertx.setTimer(waitMs, id -> later.complete());
    return later.future();
  }

  /** The batch's issued items in one statement; rejected and skipped items one by one (they are rare). */
  private Future<Void> settle(List<FulfillmentJob> batch, Map<String, PartnerClient.Outcome> outcomes, PartnerConfig partner) {
    List<Long> issued = new ArrayList<>();
    List<List<String>> codes = new ArrayList<>();
    List<FulfillmentJob> others = new ArrayList<>();
    for (FulfillmentJob j : batch) {
      PartnerClient.Outcome o = outcomes.get(j.redemptionId());
      if (o != null && o.issued()) {
        issued.add(j.id());
        codes.add(o.codes());
      } else {
        others.add(j);
      }
    }
    Future<Void> fulfilled = issued.isEmpty() ? Future.succeededFuture() : fence(jobs.fulfilAll(issued, codes));
    Future<Void> rest = settleAll(others, j -> {
      PartnerClient.Outcome o = outcomes.get(j.redemptionId());
      if (o == null) { // the partner skipped the item: ask again later, like any transient failure
        return retryOne(j, "no result for this item", partner);
      }
      return fence(jobs.fail(j.id(), "rejected by partner: " + o.error()));
    });
    return Future.join(fulfilled, rest).mapEmpty();
  }

  private Future<Void> retryOrFail(List<FulfillmentJob> batch, Throwable cause, PartnerConfig partner) {
    if (cause instanceof OpenCircuitException) {
      return settleAll(batch, j -> jobs.retry(j.id(), config.fulfillment().circuitResetMs(), "circuit open", false));
    }
    return settleAll(batch, j -> retryOne(j, String.valueOf(cause.getMessage()), partner));
  }

  private Future<Void> retryOne(FulfillmentJob j, String reason, PartnerConfig partner) {
    if (j.attempts() >= partner.maxAttempts()) {
      return fence(jobs.fail(j.id(), "retries exhausted after " + j.attempts() + " attempts: " + reason));
    }
    long delay = backoff.delayMs(j.attempts(), bound -> ThreadLocalRandom.current().nextLong(bound));
    return jobs.retry(j.id(), delay, reason, true);
  }

  /** A fulfilled or refunded redemption changed the member: store its new read-model document. */
  private Future<Void> fence(Future<RowSet<Row>> settled) {
    return settled.compose(rows -> memberViews.refreshRows(rows, true)); // fulfilments and refunds: no transaction
  }

  private static Future<Void> settleAll(List<FulfillmentJob> batch, java.util.function.Function<FulfillmentJob, Future<Void>> each) {
    List<Future<Void>> all = new ArrayList<>();
    batch.forEach(j -> all.add(each.apply(j)));
    return Future.join(all).mapEmpty();
  }

  private CircuitBreaker breaker(String circuit, PartnerConfig partner) {
    return breakers.computeIfAbsent(circuit, name -> {
      AppConfig.Fulfillment f = config.fulfillment();
      CircuitBreaker b = CircuitBreaker.create("partner:" + name, vertx, new CircuitBreakerOptions()
          .setMaxFailures(f.circuitFailuresToOpen())
          .setTimeout(partner.timeoutMs())
          .setResetTimeout(f.circuitResetMs()));
      b.openHandler(v -> {
        circuits.record(name, "open");
        log.warn("event=circuit_open circuit=partner:{} reason=\"{} consecutive failed calls\"", name, f.circuitFailuresToOpen());
      }).halfOpenHandler(v -> {
        circuits.record(name, "half_open");
        log.info("event=circuit_half_open circuit=partner:{}", name);
      }).closeHandler(v -> {
        circuits.record(name, "closed");
        log.info("event=circuit_closed circuit=partner:{}", name);
      });
      circuits.record(name, "closed");
      if (config.metrics().perTenantLabels()) { // "tenant:partner": one series per tenant's partner
        Gauge.builder("loyalty_partner_circuit_open", b, x -> x.state() == CircuitBreakerState.OPEN ? 1 : 0)
            .description("1 while the partner's circuit is open").tag("circuit", name).register(registry);
      }
      return b;
    });
  }

  private InFlightLimit permits(String circuit, PartnerConfig partner) {
    return permits.computeIfAbsent(circuit, k -> new InFlightLimit(partner.maxConcurrency(),
        config.fulfillment().maxQueuedBatches()));
  }

  @Override
  public Future<?> stop() {
    redis.close();
    return pool.close();
  }
}
