package org.loyaltyengine.platform;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.RedisOptions;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The typed configuration, built once at start-up from {@code conf/application.yaml} and environment
 * variables (see {@link ConfigLoader}). Every value is validated here so that bad configuration fails fast
 * with a one-line reason naming the environment variable.
 */
public record AppConfig(Http http, Pg pg, Redis redis, Cache cache, Auth auth, Operator operator, Rules rules,
                        Jobs jobs, Fulfillment fulfillment, Retention retention, Webhooks webhooks, Kafka kafka,
                        Relay relay, Analytics analytics, Cluster cluster, Ingest ingest, RateLimit rateLimit,
                        Admission admission, Tracing tracing, Fraud fraud, Metrics metrics, Ledger ledger) {

  public record Http(String host, int port, int instances, int maxBodyBytes, int maxBulkBodyBytes, boolean accessLog,
                     int maxInitialLineBytes, int maxHeaderBytes) {
    public int effectiveInstances() {
      return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
    }
  }

  /** @param maxWaitQueue requests waiting for a connection, per pool; more are refused at once (503 overloaded) */
  public record Pg(String url, String readUrl, int poolSize, boolean createDatabase, int maxWaitQueue) {
    public PgConnectOptions primary() {
      return PgUrls.connectOptions(url);
    }

    public Optional<PgConnectOptions> replica() {
      return readUrl.isEmpty() ? Optional.empty() : Optional.of(PgUrls.connectOptions(readUrl));
    }
  }

  /** @param maxWaitingHandlers commands waiting for a reply or a connection, per client; more fail at once */
  public record Redis(String url, String keyPrefix, int poolSize, long timeoutMs, int failuresToOpen, long resetMs,
                      int maxWaitingHandlers) {
    public RedisOptions options() {
      return new RedisOptions().setConnectionString(url).setMaxPoolSize(poolSize).setMaxPoolWaiting(maxWaitingHandlers)
          .setMaxWaitingHandlers(maxWaitingHandlers);
    }
  }

  /**
   * Rate limits per API key and per tenant (docs/protection.md): defaults here, overrides in PostgreSQL.
   *
   * @param redisTimeoutMs a Redis decision slower than this is taken by the node's local limiter instead
   * @param fallbackNodes  while Redis is unavailable each node allows limit / fallbackNodes on its own
   */
  public record RateLimit(boolean enabled, int keyPerSecond, int keyBurst, int tenantPerSecond, int tenantBurst,
                          long redisTimeoutMs, int fallbackNodes, int localMaxEntries) {}

  /**
   * Admission control (docs/protection.md).
   *
   * @param maxInFlight     requests being served by this node at once; more are answered 503 overloaded at once
   * @param rulesMaxPending rule evaluations awaiting a worker's answer, per HTTP verticle instance
   * @param latencyShedding   whether the latency controller sheds (LatencyControl); false: the in-flight bound alone
   * @param latencyTargetMs   the quickest request of an interval slower than this counts as queued
   * @param latencyIntervalMs the latency controller's measurement interval
   * @param latencyMinInFlight with at most this many requests in flight the latency controller sheds nothing
   */
  public record Admission(int maxInFlight, int retryAfterSeconds, int rulesMaxPending, boolean latencyShedding,
                          int latencyTargetMs, int latencyIntervalMs, int latencyMinInFlight) {
    /**
     * @param httpInstances the HTTP verticles: while shedding, the node admits no more than their rule
     *                      evaluations can hold ({@code rulesMaxPending} each), so an earning is refused on arrival
     *                      rather than after waiting for a rules slot
     */
    public LatencyControl.Settings latencySettings(int httpInstances) {
      return new LatencyControl.Settings(latencyShedding, TimeUnit.MILLISECONDS.toNanos(latencyTargetMs),
          TimeUnit.MILLISECONDS.toNanos(latencyIntervalMs), latencyMinInFlight,
          Math.max(latencyMinInFlight, rulesMaxPending * Math.max(1, httpInstances)));
    }
  }

  /**
   * Group commit of the API's earnings (docs/ledger.md).
   *
   * @param groupCommit   gather concurrent earnings into one statement and commit; false = one commit each
   * @param batchMax      most earnings in one statement
   * @param batchWindowMs how long an earning finding its lane idle waits for company; 0 = none (no added latency)
   * @param lanes         batches in flight at once per tenant and HTTP verticle
   * @param maxQueued     earnings waiting per lane; more get 503 overloaded at once
   */
  public record Ledger(boolean groupCommit, int batchMax, int batchWindowMs, int lanes, int maxQueued) {
    public GroupCommitter.Settings groupCommitSettings() {
      return new GroupCommitter.Settings(batchMax, batchWindowMs, lanes, maxQueued);
    }
  }

  public record Cache(long memberTtlSeconds, long tenantTtlMs, int maxUnstored) {}

  /** @param enabled whether this node runs rules workers; false sends every evaluation to other cluster nodes */
  public record Rules(int instances, long timeoutMs, boolean enabled) {
    public int effectiveInstances() {
      return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
    }
  }

  public record Fulfillment(boolean enabled, int instances, long pollMs, int claimBatch, long leaseMs,
                            long backoffBaseMs, long backoffCapMs, int circuitFailuresToOpen, long circuitResetMs,
                            int maxQueuedBatches, String allowedTargets) {}

  public record Webhooks(boolean enabled, long pollMs, int claimBatch, long leaseMs, long timeoutMs, long backoffBaseMs,
                         long backoffCapMs, int maxAgeHours, int concurrencyPerEndpoint, int circuitFailuresToOpen,
                         long circuitResetMs, String allowedTargets) {}

  /**
   * Where and how {@code /metrics} is served (README "Operations").
   *
   * @param port             0 = on the API port, behind the operator token; otherwise a separate management port
   * @param host             the management port's bind address
   * @param perTenantLabels  label meters by tenant and webhook/partner id (unbounded cardinality; off by default)
   */
  public record Metrics(int port, String host, boolean perTenantLabels) {
    public boolean separatePort() {
      return port > 0;
    }
  }

  /** @param leaseRetryMs how often a node that does not run the jobs tries to take them over (fail-over time) */
  public record Jobs(boolean enabled, long releaseEveryMs, long expireEveryMs, long tierReviewEveryMs, int batchMembers,
                     long leaseRetryMs, long warmCheckEveryMs) {}

  /**
   * Clustered mode (docs/cluster.md): Hazelcast configured by {@code configFile}, with these keys applied on
   * top of it.
   *
   * @param host    the address this node binds and advertises to the others; empty lets Hazelcast choose
   * @param members {@code host:port} entries to join over TCP/IP, comma separated; empty keeps the join
   *                section of {@code configFile} (e.g. Kubernetes discovery)
   */
  public record Cluster(boolean enabled, String name, String host, int port, String members, int eventBusPort,
                        String configFile) {
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final java.util.regex.Pattern MEMBER =
        java.util.regex.Pattern.compile("[A-Za-z0-9._-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");

    public java.util.List<String> memberList() {
      return java.util.Arrays.stream(members.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
    }

    void validate() {
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException("LOYALTY_CLUSTER_NAME must be 1-64 characters of [A-Za-z0-9._-]");
      }
      for (String member : memberList()) {
        if (!MEMBER.matcher(member).matches()) {
          throw new ConfigException("LOYALTY_CLUSTER_MEMBERS must be a comma list of host or host:port (got \""
              + member + "\")");
        }
      }
      // Hazelcast binds by interface address, so a host name would silently match no interface.
      if (!host.isEmpty() && !host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")) {
        throw new ConfigException("LOYALTY_CLUSTER_HOST must be an IP address of this machine, or empty (got \""
            + host + "\")");
      }
      if (configFile.isEmpty()) {
        throw new ConfigException("LOYALTY_CLUSTER_CONFIG_FILE must name a Hazelcast XML file");
      }
    }
  }

  /** Where domain events go; an empty bootstrap means no Kafka (the relay delivers over the event bus). */
  public record Kafka(String bootstrap, String topic, int topicPartitions, int replicationFactor, long deliveryTimeoutMs) {
    public boolean enabled() {
      return !bootstrap.isEmpty();
    }
  }

  public record Relay(boolean enabled, int partitions, int batchSize, long pollMs, long leaseRetryMs, long backoffCapMs,
                      long deliveryTimeoutMs, long groupRetentionSeconds, long lagDegradedSeconds) {}
  /**
   * Asynchronous ingestion (POST /v1/event-batches). {@code partitions} must be the same on every node and may
   * only change while the inbox has nothing pending: it decides which partition a member's items go to.
   */
  public record Ingest(boolean enabled, int instances, int partitions, int chunkItems, long pollMs, long leaseRetryMs,
                       int retentionDays) {}

  public record Auth(long keyCacheTtlMs, int keyCacheMaxEntries) {}

  /**
   * Fraud checks (docs/fraud.md). {@code enabled}: run fraud workers on this node (without any reachable
   * worker, each tenant's onFailure applies). {@code metricsPerTenant}: tenant and reward labels on the
   * anomaly metrics, at most {@code metricsMaxSeries} series; off, one aggregate series per kind.
   */
  public record Fraud(boolean enabled, int instances, long timeoutMs, boolean metricsPerTenant, int metricsMaxSeries,
                      int rateWindowMinutes, int baselineMinutes) {}

  public record Analytics(boolean enabled) {}

  public record Retention(boolean enabled, long everyMs, int batchRows, int maxBatchesPerRun, long leaseRetryMs,
                          int analyticsDedupeDays) {}

  /** OpenTelemetry tracing (docs/observability.md): off by default; spans go to an OTLP/HTTP endpoint. */
  public record Tracing(boolean enabled, String otlpEndpoint, String serviceName, double samplingRatio) {
    static double ratio(String name, String value) {
      try {
        double r = Double.parseDouble(value);
        if (r >= 0 && r <= 1) {
          return r;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new ConfigException(name + " must be a number from 0 to 1 (got \"" + value + "\")");
    }
  }

  public record Operator(String token) {
    public boolean enabled() {
      return !token.isEmpty();
    }
  }

  /** Builds the configuration from flattened settings keyed by environment-variable name. */
  public static AppConfig from(Map<String, Object> settings) {
    Settings s = new Settings(settings);
    AppConfig config = new AppConfig(
        new Http(
            s.string("LOYALTY_HTTP_HOST"),
            s.integer("LOYALTY_HTTP_PORT", 0, 65535),
            s.integer("LOYALTY_HTTP_INSTANCES", 0, 64),
            s.integer("LOYALTY_HTTP_MAX_BODY_BYTES", 1024, 64 * 1024 * 1024),
            s.integer("LOYALTY_HTTP_MAX_BULK_BODY_BYTES", 1024, 256 * 1024 * 1024),
            s.bool("LOYALTY_HTTP_ACCESS_LOG"),
            s.integer("LOYALTY_HTTP_MAX_INITIAL_LINE_BYTES", 256, 65_536),
            s.integer("LOYALTY_HTTP_MAX_HEADER_BYTES", 1024, 262_144)),
        new Pg(
            s.string("LOYALTY_PG_URL"),
            s.string("LOYALTY_PG_READ_URL"),
            s.integer("LOYALTY_PG_POOL_SIZE", 1, 256),
            s.bool("LOYALTY_PG_CREATE_DATABASE"),
            s.integer("LOYALTY_PG_MAX_WAIT_QUEUE", 1, 1_000_000)),
        new Redis(
            s.string("LOYALTY_REDIS_URL"),
            s.string("LOYALTY_REDIS_KEY_PREFIX"),
            s.integer("LOYALTY_REDIS_POOL_SIZE", 1, 256),
            s.integer("LOYALTY_REDIS_TIMEOUT_MS", 1, 60_000),
            s.integer("LOYALTY_REDIS_FAILURES_TO_OPEN", 1, 1000),
            s.integer("LOYALTY_REDIS_RESET_MS", 10, 600_000),
            s.integer("LOYALTY_REDIS_MAX_WAITING_HANDLERS", 1, 1_000_000)),
        new Cache(s.integer("LOYALTY_CACHE_MEMBER_TTL_SECONDS", 1, 2_592_000),
            s.integer("LOYALTY_CACHE_TENANT_TTL_MS", 0, 1000),
            s.integer("LOYALTY_CACHE_MAX_UNSTORED", 0, 10_000_000)),
        new Auth(
            s.integer("LOYALTY_AUTH_KEY_CACHE_TTL_MS", 0, 60_000),
            s.integer("LOYALTY_AUTH_KEY_CACHE_MAX_ENTRIES", 1, 10_000_000)),
        new Operator(s.string("LOYALTY_OPERATOR_TOKEN")),
        new Rules(s.integer("LOYALTY_RULES_INSTANCES", 0, 64), s.integer("LOYALTY_RULES_TIMEOUT_MS", 10, 60_000),
            s.bool("LOYALTY_RULES_ENABLED")),
        new Jobs(s.bool("LOYALTY_JOBS_ENABLED"), s.integer("LOYALTY_JOBS_RELEASE_EVERY_MS", 50, 3_600_000),
            s.integer("LOYALTY_JOBS_EXPIRE_EVERY_MS", 50, 86_400_000),
            s.integer("LOYALTY_JOBS_TIER_REVIEW_EVERY_MS", 50, 86_400_000),
            s.integer("LOYALTY_JOBS_BATCH_MEMBERS", 1, 100_000),
            // at most 5 s, so a dead node's jobs move to a survivor well within 15 s
            s.integer("LOYALTY_JOBS_LEASE_RETRY_MS", 100, 5_000),
            s.integer("LOYALTY_JOBS_WARM_CHECK_EVERY_MS", 100, 3_600_000)),
        new Fulfillment(s.bool("LOYALTY_FULFILLMENT_ENABLED"), s.integer("LOYALTY_FULFILLMENT_INSTANCES", 1, 64),
            s.integer("LOYALTY_FULFILLMENT_POLL_MS", 10, 60_000), s.integer("LOYALTY_FULFILLMENT_CLAIM_BATCH", 1, 10_000),
            s.integer("LOYALTY_FULFILLMENT_LEASE_MS", 1_000, 3_600_000),
            s.integer("LOYALTY_FULFILLMENT_BACKOFF_BASE_MS", 1, 3_600_000),
            s.integer("LOYALTY_FULFILLMENT_BACKOFF_CAP_MS", 1, 86_400_000),
            s.integer("LOYALTY_FULFILLMENT_CIRCUIT_FAILURES_TO_OPEN", 1, 1_000),
            s.integer("LOYALTY_FULFILLMENT_CIRCUIT_RESET_MS", 10, 3_600_000),
            s.integer("LOYALTY_FULFILLMENT_MAX_QUEUED_BATCHES", 1, 100_000),
            s.string("LOYALTY_FULFILLMENT_ALLOWED_TARGETS")),
        new Retention(s.bool("LOYALTY_RETENTION_ENABLED"), s.integer("LOYALTY_RETENTION_EVERY_MS", 100, 86_400_000),
            s.integer("LOYALTY_RETENTION_BATCH_ROWS", 1, 100_000),
            s.integer("LOYALTY_RETENTION_MAX_BATCHES_PER_RUN", 1, 1_000_000),
            s.integer("LOYALTY_RETENTION_LEASE_RETRY_MS", 100, 5_000),
            s.integer("LOYALTY_RETENTION_ANALYTICS_DEDUPE_DAYS", 1, 3650)),
        new Webhooks(s.bool("LOYALTY_WEBHOOKS_ENABLED"), s.integer("LOYALTY_WEBHOOKS_POLL_MS", 10, 60_000),
            s.integer("LOYALTY_WEBHOOKS_CLAIM_BATCH", 1, 10_000), s.integer("LOYALTY_WEBHOOKS_LEASE_MS", 1_000, 3_600_000),
            s.integer("LOYALTY_WEBHOOKS_TIMEOUT_MS", 100, 600_000),
            s.integer("LOYALTY_WEBHOOKS_BACKOFF_BASE_MS", 1, 3_600_000),
            s.integer("LOYALTY_WEBHOOKS_BACKOFF_CAP_MS", 1, 86_400_000),
            s.integer("LOYALTY_WEBHOOKS_MAX_AGE_HOURS", 1, 24 * 30),
            s.integer("LOYALTY_WEBHOOKS_CONCURRENCY_PER_ENDPOINT", 1, 256),
            s.integer("LOYALTY_WEBHOOKS_CIRCUIT_FAILURES_TO_OPEN", 1, 1_000),
            s.integer("LOYALTY_WEBHOOKS_CIRCUIT_RESET_MS", 10, 3_600_000),
            s.string("LOYALTY_WEBHOOKS_ALLOWED_TARGETS")),
        new Kafka(s.string("LOYALTY_KAFKA_BOOTSTRAP"), s.string("LOYALTY_KAFKA_TOPIC"),
            s.integer("LOYALTY_KAFKA_TOPIC_PARTITIONS", 1, 10_000), s.integer("LOYALTY_KAFKA_REPLICATION_FACTOR", 1, 16),
            s.integer("LOYALTY_KAFKA_DELIVERY_TIMEOUT_MS", 1_000, 3_600_000)),
        new Relay(s.bool("LOYALTY_RELAY_ENABLED"), s.integer("LOYALTY_RELAY_PARTITIONS", 1, 1024),
            s.integer("LOYALTY_RELAY_BATCH_SIZE", 1, 10_000), s.integer("LOYALTY_RELAY_POLL_MS", 10, 60_000),
            // At most 5 s, so a dead node's partitions are taken over well within 15 s.
            s.integer("LOYALTY_RELAY_LEASE_RETRY_MS", 100, 5_000), s.integer("LOYALTY_RELAY_BACKOFF_CAP_MS", 10, 600_000),
            s.integer("LOYALTY_RELAY_DELIVERY_TIMEOUT_MS", 100, 3_600_000),
            s.integer("LOYALTY_RELAY_GROUP_RETENTION_SECONDS", 1, 31_536_000),
            s.integer("LOYALTY_RELAY_LAG_DEGRADED_SECONDS", 1, 86_400)),
        new Analytics(s.bool("LOYALTY_ANALYTICS_ENABLED")),
        new Cluster(s.bool("LOYALTY_CLUSTER_ENABLED"), s.string("LOYALTY_CLUSTER_NAME"), s.string("LOYALTY_CLUSTER_HOST"),
            s.integer("LOYALTY_CLUSTER_PORT", 1, 65535), s.string("LOYALTY_CLUSTER_MEMBERS"),
            s.integer("LOYALTY_CLUSTER_EVENT_BUS_PORT", 0, 65535), s.string("LOYALTY_CLUSTER_CONFIG_FILE")),
        new Ingest(s.bool("LOYALTY_INGEST_ENABLED"), s.integer("LOYALTY_INGEST_INSTANCES", 1, 64),
            s.integer("LOYALTY_INGEST_PARTITIONS", 1, 1024), s.integer("LOYALTY_INGEST_CHUNK_ITEMS", 1, 10_000),
            s.integer("LOYALTY_INGEST_POLL_MS", 1, 60_000), s.integer("LOYALTY_INGEST_LEASE_RETRY_MS", 10, 600_000),
            s.integer("LOYALTY_INGEST_RETENTION_DAYS", 1, 3650)),
        new RateLimit(s.bool("LOYALTY_RATE_LIMIT_ENABLED"),
            s.integer("LOYALTY_RATE_LIMIT_KEY_PER_SECOND", 1, 1_000_000),
            s.integer("LOYALTY_RATE_LIMIT_KEY_BURST", 1, 10_000_000),
            s.integer("LOYALTY_RATE_LIMIT_TENANT_PER_SECOND", 1, 1_000_000),
            s.integer("LOYALTY_RATE_LIMIT_TENANT_BURST", 1, 10_000_000),
            s.integer("LOYALTY_RATE_LIMIT_REDIS_TIMEOUT_MS", 1, 10_000),
            s.integer("LOYALTY_RATE_LIMIT_FALLBACK_NODES", 1, 1_000),
            s.integer("LOYALTY_RATE_LIMIT_LOCAL_MAX_ENTRIES", 100, 10_000_000)),
        new Admission(s.integer("LOYALTY_ADMISSION_MAX_IN_FLIGHT", 1, 1_000_000),
            s.integer("LOYALTY_ADMISSION_RETRY_AFTER_SECONDS", 1, 3_600),
            s.integer("LOYALTY_ADMISSION_RULES_MAX_PENDING", 1, 1_000_000),
            s.bool("LOYALTY_ADMISSION_LATENCY_SHEDDING"), s.integer("LOYALTY_ADMISSION_LATENCY_TARGET_MS", 1, 60_000),
            s.integer("LOYALTY_ADMISSION_LATENCY_INTERVAL_MS", 10, 60_000),
            s.integer("LOYALTY_ADMISSION_LATENCY_MIN_IN_FLIGHT", 1, 1_000_000)),
        new Tracing(s.bool("LOYALTY_TRACING_ENABLED"), s.string("LOYALTY_TRACING_OTLP_ENDPOINT"),
            s.string("LOYALTY_TRACING_SERVICE_NAME"),
            Tracing.ratio("LOYALTY_TRACING_SAMPLING_RATIO", s.string("LOYALTY_TRACING_SAMPLING_RATIO"))),
        new Fraud(s.bool("LOYALTY_FRAUD_ENABLED"), s.integer("LOYALTY_FRAUD_INSTANCES", 1, 64),
            s.integer("LOYALTY_FRAUD_TIMEOUT_MS", 10, 60_000), s.bool("LOYALTY_FRAUD_METRICS_PER_TENANT"),
            s.integer("LOYALTY_FRAUD_METRICS_MAX_SERIES", 1, 100_000),
            s.integer("LOYALTY_FRAUD_RATE_WINDOW_MINUTES", 1, 1_440),
            s.integer("LOYALTY_FRAUD_BASELINE_MINUTES", 1, 10_080)),

        new Metrics(s.integer("LOYALTY_METRICS_PORT", 0, 65535), s.string("LOYALTY_METRICS_HOST"),
            s.bool("LOYALTY_METRICS_PER_TENANT_LABELS")),
        new Ledger(s.bool("LOYALTY_LEDGER_GROUP_COMMIT"), s.integer("LOYALTY_LEDGER_BATCH_MAX", 1, 1_000),
            s.integer("LOYALTY_LEDGER_BATCH_WINDOW_MS", 0, 100), s.integer("LOYALTY_LEDGER_LANES", 1, 64),
            s.integer("LOYALTY_LEDGER_MAX_QUEUED", 1, 1_000_000)));
    if (config.http.maxBulkBodyBytes < config.http.maxBodyBytes) {
      throw new ConfigException("LOYALTY_HTTP_MAX_BULK_BODY_BYTES must be at least LOYALTY_HTTP_MAX_BODY_BYTES");
    }
    if (config.webhooks.leaseMs < 3L * config.webhooks.timeoutMs) {
      // a delivery's lease must outlive its request (and a wait for a slot), or a second worker sends it too
      throw new ConfigException("LOYALTY_WEBHOOKS_LEASE_MS must be at least 3 x LOYALTY_WEBHOOKS_TIMEOUT_MS");
    }
    config.validateUrls();
    config.cluster.validate();
    if (!config.rules.enabled && !config.cluster.enabled) {
      throw new ConfigException("LOYALTY_RULES_ENABLED=false needs clustered mode: a single node must evaluate rules itself");
    }
    return config;
  }

  private void validateUrls() {
    PgUrls.check("LOYALTY_PG_URL", pg.url);
    if (!pg.readUrl.isEmpty()) {
      PgUrls.check("LOYALTY_PG_READ_URL", pg.readUrl);
    }
    if (!redis.url.startsWith("redis://") && !redis.url.startsWith("rediss://") && !redis.url.startsWith("unix://")) {
      throw new ConfigException("LOYALTY_REDIS_URL must start with redis:// (got \"" + redis.url + "\")");
    }
    if (redis.keyPrefix.isEmpty() || !redis.keyPrefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
      throw new ConfigException("LOYALTY_REDIS_KEY_PREFIX must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    if (kafka.enabled() && !kafka.bootstrap.matches("[A-Za-z0-9_.\\[\\]:-]+:[0-9]+(,[A-Za-z0-9_.\\[\\]:-]+:[0-9]+)*")) {
      throw new ConfigException("LOYALTY_KAFKA_BOOTSTRAP must be host:port[,host:port...] (got \"" + kafka.bootstrap + "\")");
    }
    if (!kafka.topic.matches("[A-Za-z0-9._-]{1,249}")) {
      throw new ConfigException("LOYALTY_KAFKA_TOPIC must be 1-249 characters of [A-Za-z0-9._-]");
    }
    if (tracing.enabled && !tracing.otlpEndpoint.matches("https?://[^/\\s]+(/\\S*)?")) {
      throw new ConfigException("LOYALTY_TRACING_OTLP_ENDPOINT must be an http(s):// URL when tracing is enabled (got \""
          + tracing.otlpEndpoint + "\")");
    }
    if (tracing.enabled && tracing.serviceName.isEmpty()) {
      throw new ConfigException("LOYALTY_TRACING_SERVICE_NAME must not be empty when tracing is enabled");
    }
    if (operator.enabled() && operator.token.length() < 16) {
      throw new ConfigException("LOYALTY_OPERATOR_TOKEN must be at least 16 characters when set");
    }
  }

  /** Typed access to the flattened settings with one-line errors. */
  private record Settings(Map<String, Object> values) {
    private Object raw(String name) {
      if (!values.containsKey(name)) {
        throw new ConfigException(name + " is missing from the configuration");
      }
      return values.get(name);
    }

    String string(String name) {
      Object v = raw(name);
      return v == null ? "" : String.valueOf(v).trim();
    }

    int integer(String name, int min, int max) {
      Object v = raw(name);
      long n;
      try {
        n = v instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(v).trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(name + " must be an integer (got \"" + v + "\")");
      }
      if (n < min || n > max) {
        throw new ConfigException(name + " must be between " + min + " and " + max + " (got " + n + ")");
      }
      return (int) n;
    }

    boolean bool(String name) {
      Object v = raw(name);
      if (v instanceof Boolean b) {
        return b;
      }
      String text = String.valueOf(v).trim().toLowerCase();
      return switch (text) {
        case "true" -> true;
        case "false" -> false;
        default -> throw new ConfigException(name + " must be true or false (got \"" + v + "\")");
      };
    }
  }
}
