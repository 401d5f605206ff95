package org.loyaltyengine.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.loyaltyengine.member.MemberCache;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.member.MemberRepository;
import org.loyaltyengine.member.MemberRoutes;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.ApiKeyCache;
import org.loyaltyengine.tenant.ApiKeyRepository;
import org.loyaltyengine.tenant.TenantRepository;
import org.loyaltyengine.tenant.TenantRoutes;
import org.loyaltyengine.transaction.TransactionHistory;
import org.loyaltyengine.transaction.TransactionRoutes;
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
  private final ApiKeyCache keyCache;
  private final PrometheusMeterRegistry registry;
  private final Clock clock;

  private Pool primary;
  private Pool replica;
  private Redis redis;
  private HttpServer server;

  public HttpVerticle(AppConfig config, ApiKeyCache keyCache, PrometheusMeterRegistry registry, Clock clock) {
    this.config = config;
    this.keyCache = keyCache;
    this.registry = registry;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    primary = pool("pg-primary", config.pg().primary());
    replica = config.pg().replica().map(o -> pool("pg-replica", o)).orElse(null);
    Pool reads = replica != null ? replica : primary;
    redis = Redis.createClient(vertx, config.redis().options());
    CircuitBreaker redisBreaker = CircuitBreaker.create("redis", vertx, new CircuitBreakerOptions()
            .setMaxFailures(config.redis().failuresToOpen())
            .setTimeout(config.redis().timeoutMs())
            .setResetTimeout(config.redis().resetMs()))
        .openHandler(v -> log.warn("event=circuit_open circuit=redis reason=\"cache calls failing; reads go to PostgreSQL\""))
        .closeHandler(v -> log.info("event=circuit_closed circuit=redis"));

    ApiKeyAuthenticator auth = new ApiKeyAuthenticator(keyCache, new ApiKeyRepository(primary));
    MemberRepository members = new MemberRepository(primary, reads);
    MemberCache memberCache = new MemberCache(redis, redisBreaker, config.redis().keyPrefix(),
        config.cache().memberTtlSeconds(), registry);
    MemberLookup lookup = new MemberLookup(memberCache, members);

    Router router = Router.router(vertx);
    router.route().handler(new RequestIds(config.http().accessLog()));
    router.get("/health/live").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(healthChecks(redis)));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    // Pathless, so the metrics' route label stays the API route alone (a path here would prefix every label).
    router.route().handler(BodyHandler.create(false).setBodyLimit(config.http().maxBodyBytes()));

    new TenantRoutes(new TenantRepository(primary), new ApiKeyRepository(primary), keyCache, vertx.eventBus(),
        config.operator().token()).mount(router, auth);
    new MemberRoutes(members, lookup, memberCache, clock).mount(router, auth);
    new TransactionRoutes(lookup, new TransactionHistory(reads)).mount(router, auth);

    Failures failures = new Failures();
    router.route().failureHandler(failures);
    router.errorHandler(404, ctx -> Failures.byStatus(ctx, 404));
    router.errorHandler(405, ctx -> Failures.byStatus(ctx, 405));
    router.errorHandler(500, failures);

    return vertx.createHttpServer(new HttpServerOptions()
            .setHost(config.http().host())
            .setPort(config.http().port())
            .setTcpNoDelay(true)
            .setCompressionSupported(false)
            .setIdleTimeout(120))
        .requestHandler(router)
        .listen()
        .onSuccess(s -> server = s);
  }

  private Pool pool(String name, PgConnectOptions options) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.pg().poolSize()).setName(name).setMaxWaitQueueSize(10_000))
        .connectingTo(options)
        .using(vertx)
        .build();
  }

  private HealthChecks healthChecks(Redis redis) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("postgres", 2000, p -> primary.query("select 1").execute()
        .onComplete(ar -> p.complete(ar.succeeded() ? Status.OK() : down(ar.cause()))));
    if (replica != null) {
      checks.register("postgres-replica", 2000, p -> replica.query("select 1").execute()
          .onComplete(ar -> p.complete(ar.succeeded() ? Status.OK() : down(ar.cause()))));
    }
    checks.register("redis", 1000, p -> redis.send(Request.cmd(Command.PING))
        .onComplete(ar -> p.complete(ar.succeeded() ? Status.OK() : down(ar.cause()))));
    return checks;
  }

  private static Status down(Throwable cause) {
    return Status.KO(new JsonObject().put("error", String.valueOf(cause.getMessage())));
  }

  @Override
  public Future<?> stop() {
    Future<Void> http = server == null ? Future.succeededFuture() : server.close();
    return http.eventually(() -> primary.close())
        .eventually(() -> replica == null ? Future.succeededFuture() : replica.close())
        .eventually(() -> {
          redis.close();
          return Future.succeededFuture();
        });
  }
}
