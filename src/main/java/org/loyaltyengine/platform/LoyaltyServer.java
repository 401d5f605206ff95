package org.loyaltyengine.platform;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.loyaltyengine.http.HttpVerticle;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.ApiKeyCache;
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

  private LoyaltyServer(Vertx vertx, AppConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  public static LoyaltyServer start(Map<String, String> env) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .setRegistryName("loyalty-" + UUID.randomUUID()) // one registry per engine, even several in one JVM
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true))
            .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE,
                Label.POOL_NAME, Label.CLIENT_NAME))))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    try {
      AppConfig config = ConfigLoader.load(vertx, env);
      DatabaseSetup.prepare(config.pg());
      ApiKeyCache keyCache = new ApiKeyCache(config.auth().keyCacheTtlMs(), config.auth().keyCacheMaxEntries(),
          System::nanoTime);
      vertx.eventBus().<String>consumer(ApiKeyAuthenticator.REVOKED_ADDRESS, msg -> keyCache.invalidate(msg.body()));
      int instances = config.http().effectiveInstances();
      vertx.deployVerticle(() -> new HttpVerticle(config, keyCache, registry, Clock.systemUTC()),
          new DeploymentOptions().setInstances(instances)).await();
      log.info("event=started port={} httpInstances={} pg={} replica={} redis={}", config.http().port(), instances,
          config.pg().primary().getHost() + ":" + config.pg().primary().getPort() + "/" + config.pg().primary().getDatabase(),
          config.pg().readUrl().isEmpty() ? "none" : "configured", config.redis().url());
      if (!config.operator().enabled()) {
        log.warn("event=operator_disabled reason=\"LOYALTY_OPERATOR_TOKEN is empty: POST /v1/tenants is refused\"");
      }
      return new LoyaltyServer(vertx, config);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
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
    vertx.close().await();
  }
}
