package org.loyaltyengine.platform;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import org.loyaltyengine.http.HttpVerticle;
import org.loyaltyengine.ratelimit.LocalLimiter;
import org.loyaltyengine.ratelimit.RateLimitRoutes;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.ApiKeyCache;
import org.loyaltyengine.tenant.TenantSettingsCache;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.loyaltyengine.rules.EvaluationRequest;
import org.loyaltyengine.rules.RulesMessageJson;
import org.loyaltyengine.rules.RuleSetCache;
import org.loyaltyengine.rules.RuleVerdict;
import org.loyaltyengine.rules.RulesVerticle;
import org.loyaltyengine.ledger.LedgerJobsVerticle;
import org.loyaltyengine.retention.RetentionVerticle;
import org.loyaltyengine.analytics.AnalyticsVerticle;
import org.loyaltyengine.fraud.FraudPolicyCache;
import org.loyaltyengine.fraud.FraudRates;
import org.loyaltyengine.fraud.FraudVerticle;
import org.loyaltyengine.fulfillment.FulfillmentVerticle;
import org.loyaltyengine.fulfillment.PartnerCircuits;
import org.loyaltyengine.ingest.IngestWorkerVerticle;
import org.loyaltyengine.tier.TierSetCache;
import org.loyaltyengine.webhook.WebhookDispatcherVerticle;
import org.loyaltyengine.events.OutboxRelayVerticle;
import io.vertx.core.eventbus.EventBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.EnumSet;
import java.util.Map;
import java.util.UUID;

/**
 * One running engine: a Vert.x instance with metrics, a migrated database and the HTTP verticles.
 * {@link #start} blocks until the server listens (or throws); used by {@code serve} and by the tests.
 */
public final class LoyaltyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoyaltyServer.class);

  private final Vertx vertx;
  private final AppConfig config;
  private final OpenTelemetrySdk telemetry;

  private LoyaltyServer(Vertx vertx, AppConfig config, OpenTelemetrySdk telemetry) {
    this.vertx = vertx;
    this.config = config;
    this.telemetry = telemetry;
  }

  public static LoyaltyServer start(Map<String, String> env) {
    // Read before Vert.x starts: whether it starts clustered, and where, is configuration.
    Vertx reader = Vertx.vertx();
    AppConfig config;
    try {
      config = ConfigLoader.load(reader, env);
    } finally {
      reader.close().await();
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Request and response sizes would cost two histogram records per request and answer no question the
    // latency histograms and byte counters do not; histograms are kept small (MetricsLimits).
    for (io.micrometer.core.instrument.config.MeterFilter filter : MetricsLimits.filters()) {
      registry.config().meterFilter(filter);
    }
    VertxOptions options = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setRegistryName("loyalty-" + UUID.randomUUID()) // one registry per engine, even several in one JVM
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)) // buckets: MetricsLimits
        // The API's per-route metrics are the engine's own (http.RouteMetrics): Vert.x's cost ~5 µs a request.
        .addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.HTTP_SERVER)
        // EB_ADDRESS: without it the event-bus meters of every address share one id and only the first address
        // is counted. The engine's addresses are a fixed, small set (reply addresses are not measured).
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE,
            Label.POOL_NAME, Label.CLIENT_NAME, Label.EB_ADDRESS)));
    // Migrations first: a node that cannot reach its database must not join the cluster.
    DatabaseSetup.prepare(config.pg());
    VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
    // Tracing: Vert.x makes the spans of the HTTP server, event bus, PostgreSQL, Redis and Kafka clients itself.
    OpenTelemetrySdk telemetry = config.tracing().enabled() ? Telemetry.sdk(config.tracing()) : null;
    if (telemetry != null) {
      options.setTracingOptions(new OpenTelemetryOptions());
      builder.withTracer(new OpenTelemetryTracingFactory(telemetry));
    }
    Vertx vertx;
    try {
      vertx = config.cluster().enabled() ? clustered(builder, options, config.cluster()) : builder.with(options).build();
    } catch (RuntimeException e) {
      if (telemetry != null) {
        Telemetry.close(telemetry);
      }
      throw e;
    }
    try {
      NodeState caches = new NodeState(
          new ApiKeyCache(config.auth().keyCacheTtlMs(), config.auth().keyCacheMaxEntries(), System::nanoTime),
          new TenantSettingsCache(config.cache().tenantTtlMs(), System::nanoTime),
          new RuleSetCache(), new TierSetCache(), new PartnerCircuits(),
          new Admission(config.admission().maxInFlight(),
              new LatencyControl(config.admission().latencySettings(config.http().effectiveInstances()), System.nanoTime()), System::nanoTime),
          new LocalLimiter(config.rateLimit().localMaxEntries(), System::nanoTime),
          new FraudPolicyCache(config.cache().tenantTtlMs(), System::nanoTime),
          new FraudRates(registry, Clock.systemUTC(), config.fraud().metricsPerTenant(), config.fraud().rateWindowMinutes(),
              config.fraud().baselineMinutes(), config.fraud().metricsMaxSeries()));
      EventBus bus = vertx.eventBus();
      bus.<String>consumer(ApiKeyAuthenticator.REVOKED_ADDRESS, msg -> caches.keys().invalidate(msg.body()));
      bus.<String>consumer(TenantSettingsCache.CHANGED_ADDRESS,
          msg -> caches.tenants().invalidate(UUID.fromString(msg.body())));
      bus.<String>consumer(RateLimitRoutes.TENANT_CHANGED_ADDRESS,
          msg -> caches.keys().invalidateTenant(UUID.fromString(msg.body())));
      bus.<String>consumer(TenantSettingsCache.CHANGED_ADDRESS,
          msg -> caches.fraudPolicies().invalidate(UUID.fromString(msg.body())));
      // JSON when an evaluation crosses nodes, by reference when it stays on this one.
      bus.registerDefaultCodec(EvaluationRequest.class, new JsonMessageCodec<>(EvaluationRequest.class,
          RulesMessageJson::toJson, RulesMessageJson::request));
      bus.registerDefaultCodec(RuleVerdict.class, new JsonMessageCodec<>(RuleVerdict.class,
          RulesMessageJson::toJson, RulesMessageJson::verdict));
      if (config.rules().enabled()) {
        vertx.deployVerticle(() -> new RulesVerticle(config, caches.rules()),
            new DeploymentOptions().setInstances(config.rules().effectiveInstances())).await();
      }
      if (config.fraud().enabled()) {
        vertx.deployVerticle(() -> new FraudVerticle(config, Clock.systemUTC()),
            new DeploymentOptions().setInstances(config.fraud().instances())).await();
      }
      if (config.jobs().enabled()) {
        vertx.deployVerticle(new LedgerJobsVerticle(config, registry)).await();
      }
      if (config.fulfillment().enabled()) {
        vertx.deployVerticle(() -> new FulfillmentVerticle(config, registry, caches.circuits()),
            new DeploymentOptions().setInstances(config.fulfillment().instances())).await();
      }
      if (config.retention().enabled()) {
        vertx.deployVerticle(new RetentionVerticle(config, registry)).await();
      }
      if (config.webhooks().enabled()) {
        vertx.deployVerticle(new WebhookDispatcherVerticle(config, registry)).await();
      }
      if (config.analytics().enabled()) {
        vertx.deployVerticle(new AnalyticsVerticle(config)).await();
      }
      // Event-feed consumers (EventFeed.subscribe: analytics above, webhooks in their dispatcher) go before this line: without Kafka, a group must be
      // registered before the relay's first batch on a fresh database, or that batch reaches no one.
      if (config.relay().enabled()) {
        vertx.deployVerticle(new OutboxRelayVerticle(config, registry)).await();
      }
      if (config.ingest().enabled()) {
        java.util.concurrent.atomic.AtomicInteger ingestIndex = new java.util.concurrent.atomic.AtomicInteger();
        vertx.deployVerticle(() -> new IngestWorkerVerticle(config, caches, registry, ingestIndex.getAndIncrement()),
            new DeploymentOptions().setInstances(config.ingest().instances())
                .setThreadingModel(io.vertx.core.ThreadingModel.WORKER)).await();
      }
      int instances = config.http().effectiveInstances();
      vertx.deployVerticle(() -> new HttpVerticle(config, caches, registry, Clock.systemUTC()),
          new DeploymentOptions().setInstances(instances)).await();
      log.info("event=started port={} httpInstances={} pg={} replica={} redis={}", config.http().port(), instances,
          config.pg().primary().getHost() + ":" + config.pg().primary().getPort() + "/" + config.pg().primary().getDatabase(),
          config.pg().readUrl().isEmpty() ? "none" : "configured", config.redis().url());
      if (vertx.isClustered()) {
        io.vertx.core.spi.cluster.ClusterManager cluster = ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
        log.info("event=cluster_joined cluster={} node={} members={} hazelcast={}:{}", config.cluster().name(),
            cluster.getNodeId(), cluster.getNodes().size(), config.cluster().host(), config.cluster().port());
      }
      if (!config.operator().enabled()) {
        log.warn("event=operator_disabled reason=\"LOYALTY_OPERATOR_TOKEN is empty: POST /v1/tenants is refused\"");
      }
      if (telemetry != null) {
        log.info("event=tracing_enabled otlpEndpoint={} service={} samplingRatio={}", config.tracing().otlpEndpoint(),
            config.tracing().serviceName(), config.tracing().samplingRatio());
      }
      return new LoyaltyServer(vertx, config, telemetry);
    } catch (RuntimeException e) {
      vertx.close().onComplete(ar -> {
        if (telemetry != null) {
          Telemetry.close(telemetry);
        }
      });
      throw e;
    }
  }

  private static Vertx clustered(VertxBuilder builder, VertxOptions options, AppConfig.Cluster cluster) {
    options.setEventBusOptions(ClusterConfig.eventBus(cluster));
    try {
      return builder.with(options)
          .withClusterManager(new HazelcastClusterManager(ClusterConfig.hazelcast(cluster)))
          .buildClustered().await();
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigException("cannot join the cluster \"" + cluster.name() + "\" on " + cluster.host() + ":"
          + cluster.port() + ": " + e.getMessage());
    }
  }

  public AppConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() {
    try {
      vertx.close().await();
    } finally {
      if (telemetry != null) {
        Telemetry.close(telemetry);
      }
    }
  }
}
