package org.loyaltyengine.http;

import org.loyaltyengine.audit.AuditLogRepository;
import org.loyaltyengine.audit.AuditRoutes;
import org.loyaltyengine.retention.RetentionRepository;
import org.loyaltyengine.retention.RetentionRoutes;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.TimeUnit;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.loyaltyengine.analytics.AnalyticsRepository;
import org.loyaltyengine.analytics.AnalyticsRoutes;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.member.MemberRepository;
import org.loyaltyengine.member.MemberRoutes;
import org.loyaltyengine.platform.GroupCommitter;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.platform.NodeState;
import org.loyaltyengine.ratelimit.Quota;
import org.loyaltyengine.ratelimit.RateLimitClient;
import org.loyaltyengine.ratelimit.RateLimitRepository;
import org.loyaltyengine.ratelimit.RateLimitRoutes;
import org.loyaltyengine.ledger.LedgerRepository;
import org.loyaltyengine.ledger.LedgerRoutes;
import org.loyaltyengine.rules.EarningRuleRoutes;
import org.loyaltyengine.rules.RuleSetRepository;
import org.loyaltyengine.rules.RulesClient;
import org.loyaltyengine.tenant.SettingsRoutes;
import org.loyaltyengine.tenant.TenantSettingsRepository;
import org.loyaltyengine.tier.TierRepository;
import org.loyaltyengine.tier.TierRoutes;
import org.loyaltyengine.tier.TierLookup;
import org.loyaltyengine.reward.RedemptionRepository;
import org.loyaltyengine.reward.RewardRepository;
import org.loyaltyengine.reward.RewardRoutes;
import org.loyaltyengine.fulfillment.PartnerRepository;
import org.loyaltyengine.fulfillment.PartnerRoutes;
import org.loyaltyengine.fraud.FraudClient;
import org.loyaltyengine.fraud.FraudRepository;
import org.loyaltyengine.fraud.FraudRoutes;
import org.loyaltyengine.fraud.FraudScreenClient;
import org.loyaltyengine.platform.TargetLookup;
import org.loyaltyengine.ingest.EventBatchRoutes;
import org.loyaltyengine.ingest.InboxRepository;
import org.loyaltyengine.transaction.PointsEarner;
import org.loyaltyengine.transaction.PurchaseRoutes;
import io.vertx.core.eventbus.EventBus;
import org.loyaltyengine.tenant.ApiKeyRepository;
import org.loyaltyengine.tenant.TenantRepository;
import org.loyaltyengine.tenant.TenantRoutes;
import org.loyaltyengine.transaction.TransactionHistory;
import org.loyaltyengine.transaction.TransactionRoutes;
import org.loyaltyengine.webhook.WebhookRepository;
import org.loyaltyengine.webhook.WebhookRoutes;
import org.loyaltyengine.events.OutboxStatusClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * The public API. One instance per core, each with its own PostgreSQL pools and Redis client bound to its
 * event loop, so a request never hops threads. Holds no state of its own beyond those clients.
 */
public final class HttpVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);

  private final AppConfig config;
  private final NodeState caches;
  private final PrometheusMeterRegistry registry;
  private final Clock clock;

  private Pool primary;
  private Pool replica;
  private Redis redis;
  private HttpServer server;
  private HttpServer managementServer;

  public HttpVerticle(AppConfig config, NodeState caches, PrometheusMeterRegistry registry, Clock clock) {
    this.config = config;
    this.caches = caches;
    this.registry = registry;
    this.clock = clock;
  }

  /** Batch sizes and failed batches of one group committer, e.g. loyalty_ledger_earning_batch_size. */
  private GroupCommitter.Observer batchMetrics(String kind, String what) {
    io.micrometer.core.instrument.DistributionSummary sizes = io.micrometer.core.instrument.DistributionSummary
        .builder("loyalty.ledger." + kind + ".batch.size")
        .description(what + " per group-committed statement (batches of two or more)")
        .serviceLevelObjectives(2, 5, 10, 25, 50, 100).register(registry);
    io.micrometer.core.instrument.Counter failed = io.micrometer.core.instrument.Counter
        .builder("loyalty.ledger." + kind + ".batch.failed")
        .description("Batches that failed as a whole, whose " + what.toLowerCase() + " were then applied one by one")
        .register(registry);
    return (size, whole) -> {
      sizes.record(size);
      if (whole) {
        failed.increment();
      }
    };
  }

  @Override
  public Future<?> start() {
    primary = pool("pg-primary", config.pg().primary());
    replica = config.pg().replica().map(o -> pool("pg-replica", o)).orElse(null);
    Pool reads = replica != null ? replica : primary;
    MemberRepository members = new MemberRepository(primary);
    TenantSettingsRepository settings = new TenantSettingsRepository(primary);
    TierRepository tiers = new TierRepository(primary);
    TierLookup tierLookup = new TierLookup(caches.tenants(), settings, caches.tiers(), tiers);
    MemberLookup lookup = MemberLookup.create(vertx, config, registry, "redis", client -> redis = client, members,
        tierLookup, clock);
    RateLimitClient limits = config.rateLimit().enabled()
        // the read model's line to Redis: a document read with the limits stays in order with its stores
        ? RateLimitClient.create(vertx, lookup.store().link(), config, caches.localLimits(), registry) : null;
    ApiKeyAuthenticator auth = new ApiKeyAuthenticator(caches.keys(), new ApiKeyRepository(primary), limits);

    Router router = Router.router(vertx);
    RouteMetrics routeMetrics = new RouteMetrics(registry);
    router.route().handler(routeMetrics); // every request, health and metrics included
    router.route().handler(new RequestIds(config.http().accessLog()));
    router.route().handler(new InputGuard()); // NUL, bad UTF-8 or %-encoding in path, query or headers: 400 here
    router.get("/health/live").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(healthChecks(redis)));
    if (config.metrics().separatePort()) {
      router.get("/metrics").handler(ctx -> Failures.byStatus(ctx, 404)); // served on the management port only
    } else {
      router.get("/metrics").handler(new OperatorOnly(config.operator().token()))
          .handler(PrometheusScrapingHandler.create(registry));
    }
    ApiContract.mount(router); // GET /openapi.json and /docs
    // Health and metrics above are never shed; every API request below first takes an in-flight slot.
    router.route().handler(new AdmissionHandler(caches.admission(), config.admission().retryAfterSeconds(), registry));
    // Only methods that carry a body buffer it: a GET (the reads) skips the body handler's work entirely.
    router.route().method(io.vertx.core.http.HttpMethod.POST).method(io.vertx.core.http.HttpMethod.PUT)
        .method(io.vertx.core.http.HttpMethod.PATCH).method(io.vertx.core.http.HttpMethod.DELETE)
        .handler(BodyHandler.create(false).setBodyLimit(config.http().maxBulkBodyBytes()));
    int bodyLimit = config.http().maxBodyBytes();
    router.route().handler(ctx -> {
      ctx.put(JsonInput.BODY_LIMIT, bodyLimit); // ordinary requests; bulk uploads read with JsonInput.ofBulk
      ctx.next();
    });

    AuditRoutes audit = new AuditRoutes(new AuditLogRepository(primary));
    audit.mountTrail(router);

    EventBus bus = vertx.eventBus();
    LedgerRepository ledger = new LedgerRepository(primary);
    RulesClient rules = new RulesClient(bus, config.rules().timeoutMs(), config.rules().enabled(),
        config.admission().rulesMaxPending());
    RedemptionRepository redemptions = new RedemptionRepository(primary);
    if (config.ledger().groupCommit()) {
      GroupCommitter.Timer timer = (ms, task) -> vertx.setTimer(ms, id -> task.run());
      ledger.gatherEarnings(config.ledger().groupCommitSettings(), timer, batchMetrics("earning", "Earnings"));
      redemptions.gatherRedemptions(config.ledger().groupCommitSettings(), timer,
          batchMetrics("redemption", "Redemptions"));
    }
    FraudRepository fraudRepository = new FraudRepository(primary);
    FraudScreenClient fraudScreen = new FraudScreenClient(bus, config.fraud().timeoutMs(), config.fraud().enabled(),
        caches.fraudPolicies(), fraudRepository::policy, caches.fraudRates());
    FraudClient fraud = new FraudClient(fraudScreen, fraudRepository, ledger, redemptions, lookup, caches.fraudRates(),
        clock);
    PointsEarner earner = new PointsEarner(caches.tenants(), settings, caches.tiers(), tiers, lookup,
        rules, ledger, fraud);

    // The three reads first: the router tries routes in order, and they are most of the traffic.
    new MemberRoutes(members, lookup, tierLookup, clock).mount(router, auth);
    new TransactionRoutes(lookup, new TransactionHistory(reads)).mount(router, auth);
    new TenantRoutes(new TenantRepository(primary), new ApiKeyRepository(primary), caches.keys(), bus,
        config.operator().token()).mount(router, auth);
    new RateLimitRoutes(new RateLimitRepository(primary), caches.keys(), bus, config.operator().token(),
        new Quota(config.rateLimit().keyPerSecond(), config.rateLimit().keyBurst()),
        new Quota(config.rateLimit().tenantPerSecond(), config.rateLimit().tenantBurst())).mount(router, auth);
    new SettingsRoutes(settings, caches.tenants(), bus).mount(router, auth);
    new org.loyaltyengine.member.MemberSearchRoutes(new org.loyaltyengine.member.MemberSearchRepository(reads))
        .mount(router, auth);
    new PurchaseRoutes(earner, ledger, lookup, primary, clock).mount(router, auth);
    new LedgerRoutes(ledger, lookup, caches.tenants(), settings, clock).mount(router, auth);
    new EarningRuleRoutes(new RuleSetRepository(primary), settings, caches.tenants(), caches.tiers(), tiers, lookup,
        rules, bus, clock).mount(router, auth);
    // every document rendered with the old tiers is re-rendered by the read model's warm-up, not read by read
    new TierRoutes(tiers, caches.tiers(), settings, caches.tenants(), bus, () -> lookup.store().markIncomplete())
        .mount(router, auth);
    new AnalyticsRoutes(new AnalyticsRepository(primary, reads), caches.tenants(), settings).mount(router, auth);
    new RewardRoutes(new RewardRepository(primary), redemptions, lookup, fraud,
        new PartnerRepository(primary)).mount(router, auth);
    new FraudRoutes(fraudRepository, caches.fraudPolicies(), lookup, tierLookup, bus).mount(router, auth);
    new PartnerRoutes(new PartnerRepository(primary), TargetLookup.partners(vertx, config)).mount(router, auth);
    new RetentionRoutes(new RetentionRepository(primary)).mount(router, auth);
    audit.mount(router, auth);
    new WebhookRoutes(new WebhookRepository(primary), TargetLookup.webhooks(vertx, config)).mount(router, auth);
    new EventBatchRoutes(new InboxRepository(primary), config.ingest().partitions(), clock).mount(router, auth);

    Failures failures = new Failures();
    router.route().failureHandler(failures);
    router.errorHandler(404, ctx -> Failures.byStatus(ctx, 404));
    router.errorHandler(405, ctx -> Failures.byStatus(ctx, 405));
    router.errorHandler(500, failures);
    router.errorHandler(400, failures); // e.g. a path parameter Vert.x cannot decode: the JSON shape, not plain text

    Future<HttpServer> api = ApiContract.preload(vertx).compose(loaded -> vertx.createHttpServer(new HttpServerOptions()
            .setHost(config.http().host())
            .setPort(config.http().port())
            .setTcpNoDelay(true)
            .setCompressionSupported(false)
            .setIdleTimeout(120)
            .setMaxInitialLineLength(config.http().maxInitialLineBytes())
            .setMaxHeaderSize(config.http().maxHeaderBytes()))
        .requestHandler(router)
        .connectionHandler(routeMetrics::opened)
        .invalidRequestHandler(InvalidRequests::answer)
        .listen()
        .onSuccess(s -> server = s));
    if (!config.metrics().separatePort()) {
      return api;
    }
    // The management port: /metrics only, open to whoever can reach its (by default loopback) address.
    Router management = Router.router(vertx);
    management.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    management.errorHandler(404, ctx -> Failures.byStatus(ctx, 404));
    return api.compose(s -> vertx.createHttpServer(new HttpServerOptions()
            .setHost(config.metrics().host()).setPort(config.metrics().port()))
        .requestHandler(management)
        .invalidRequestHandler(InvalidRequests::answer)
        .listen()
        .onSuccess(m -> managementServer = m));
  }

  private Pool pool(String name, PgConnectOptions options) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.pg().poolSize()).setName(name)
            .setMaxWaitQueueSize(config.pg().maxWaitQueue())) // full: ConnectionPoolTooBusyException, 503 overloaded
        .connectingTo(options)
        .using(vertx)
        .build();
  }

  private HealthChecks healthChecks(Redis redis) {
    HealthChecks checks = HealthChecks.create(vertx);
    // Each check answers DOWN on its own before the framework's time-out, which would make the answer a 500
    // (a stalled pool is the database being unavailable to this node: 503, as the contract says).
    checks.register("postgres", 2000, p -> upWithin(p, primary.query("select 1").execute(), 1500));
    if (replica != null) {
      checks.register("postgres-replica", 2000, p -> upWithin(p, replica.query("select 1").execute(), 1500));
    }
    org.loyaltyengine.platform.NodeHealth.register(checks, vertx); // cluster membership, singletons held here
    checks.register("redis", 1000, p -> upWithin(p, redis.send(Request.cmd(Command.PING)), 700));
    // An open partner circuit degrades fulfillment (redemptions wait as pending) but the node still serves.
    checks.register("partners", 1000, p -> {
      java.util.List<String> open = caches.circuits().open();
      p.complete(Status.OK(new JsonObject().put("degraded", !open.isEmpty())
          .put("openCircuits", new io.vertx.core.json.JsonArray(open))));
    });
    // Admission control (docs/protection.md): how full the node is; never DOWN, shedding is its normal defence.
    checks.register("admission", 1000, p -> p.complete(Status.OK(new JsonObject()
        .put("inFlight", caches.admission().inFlight()).put("maxInFlight", caches.admission().maxInFlight())
        .put("limit", caches.admission().limit()).put("latencyShedding", caches.admission().latencyShedding())
        .put("latencyTargetMs", caches.admission().latencyTargetNanos() / 1_000_000))));
    // Outbox lag or an unreachable Kafka degrades the event stream, not the API: UP with "degraded": true.
    OutboxStatusClient outbox = new OutboxStatusClient(vertx, primary, config.relay().lagDegradedSeconds());
    checks.register("outbox", 2000, p -> outbox.status().timeout(1500, TimeUnit.MILLISECONDS)
        .otherwise(err -> new JsonObject().put("degraded", true).put("error", String.valueOf(err.getMessage())))
        .onComplete(ar -> p.tryComplete(Status.OK(ar.result()))));
    return checks;
  }

  /**
   * UP when {@code probe} succeeds within {@code ms}, else DOWN with its error. tryComplete: an answer arriving
   * after the framework's own time-out (which already failed the check) is dropped, not thrown.
   */
  private static void upWithin(io.vertx.core.Promise<Status> check, Future<?> probe, long ms) {
    probe.timeout(ms, TimeUnit.MILLISECONDS)
        .onComplete(ar -> check.tryComplete(ar.succeeded() ? Status.OK() : down(ar.cause())));
  }

  private static Status down(Throwable cause) {
    return Status.KO(new JsonObject().put("error", String.valueOf(cause.getMessage())));
  }

  @Override
  public Future<?> stop() {
    Future<Void> http = (server == null ? Future.<Void>succeededFuture() : server.close())
        .eventually(() -> managementServer == null ? Future.succeededFuture() : managementServer.close());
    return http.eventually(() -> primary.close())
        .eventually(() -> replica == null ? Future.succeededFuture() : replica.close())
        .eventually(() -> {
          redis.close();
          return Future.succeededFuture();
        });
  }
}
