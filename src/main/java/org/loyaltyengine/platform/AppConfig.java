package org.loyaltyengine.platform;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.RedisOptions;

import java.util.Map;
import java.util.Optional;

/**
 * The typed configuration, built once at start-up from {@code conf/application.yaml} and environment
 * variables (see {@link ConfigLoader}). Every value is validated here so that bad configuration fails fast
 * with a one-line reason naming the environment variable.
 */
public record AppConfig(Http http, Pg pg, Redis redis, Cache cache, Auth auth, Operator operator, Rules rules,
                        Jobs jobs, Fulfillment fulfillment, Ingest ingest) {

  public record Http(String host, int port, int instances, int maxBodyBytes, int maxBulkBodyBytes, boolean accessLog) {
    public int effectiveInstances() {
      return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
    }
  }

  public record Pg(String url, String readUrl, int poolSize, boolean createDatabase) {
    public PgConnectOptions primary() {
      return PgUrls.connectOptions(url);
    }

    public Optional<PgConnectOptions> replica() {
      return readUrl.isEmpty() ? Optional.empty() : Optional.of(PgUrls.connectOptions(readUrl));
    }
  }

  public record Redis(String url, String keyPrefix, int poolSize, long timeoutMs, int failuresToOpen, long resetMs) {
    public RedisOptions options() {
      return new RedisOptions().setConnectionString(url).setMaxPoolSize(poolSize).setMaxPoolWaiting(10_000)
          .setMaxWaitingHandlers(10_000);
    }
  }

  public record Cache(long memberTtlSeconds, long tenantTtlMs) {}

  public record Rules(int instances, long timeoutMs) {
    public int effectiveInstances() {
      return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
    }
  }

  public record Fulfillment(boolean enabled, int instances, long pollMs, int claimBatch, long leaseMs,
                            long backoffBaseMs, long backoffCapMs, int circuitFailuresToOpen, long circuitResetMs) {}

  /**
   * Asynchronous ingestion (POST /v1/event-batches). {@code partitions} must be the same on every node and may
   * only change while the inbox has nothing pending: it decides which partition a member's items go to.
   */
  public record Ingest(boolean enabled, int instances, int partitions, int chunkItems, long pollMs, long leaseRetryMs,
                       int retentionDays) {}

  public record Jobs(boolean enabled, long releaseEveryMs, long expireEveryMs, long tierReviewEveryMs, int batchMembers) {}

  public record Auth(long keyCacheTtlMs, int keyCacheMaxEntries) {}

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
            s.bool("LOYALTY_HTTP_ACCESS_LOG")),
        new Pg(
            s.string("LOYALTY_PG_URL"),
            s.string("LOYALTY_PG_READ_URL"),
            s.integer("LOYALTY_PG_POOL_SIZE", 1, 256),
            s.bool("LOYALTY_PG_CREATE_DATABASE")),
        new Redis(
            s.string("LOYALTY_REDIS_URL"),
            s.string("LOYALTY_REDIS_KEY_PREFIX"),
            s.integer("LOYALTY_REDIS_POOL_SIZE", 1, 256),
            s.integer("LOYALTY_REDIS_TIMEOUT_MS", 1, 60_000),
            s.integer("LOYALTY_REDIS_FAILURES_TO_OPEN", 1, 1000),
            s.integer("LOYALTY_REDIS_RESET_MS", 10, 600_000)),
        new Cache(s.integer("LOYALTY_CACHE_MEMBER_TTL_SECONDS", 1, 86_400),
            s.integer("LOYALTY_CACHE_TENANT_TTL_MS", 0, 1000)),
        new Auth(
            s.integer("LOYALTY_AUTH_KEY_CACHE_TTL_MS", 0, 60_000),
            s.integer("LOYALTY_AUTH_KEY_CACHE_MAX_ENTRIES", 1, 10_000_000)),
        new Operator(s.string("LOYALTY_OPERATOR_TOKEN")),
        new Rules(s.integer("LOYALTY_RULES_INSTANCES", 0, 64), s.integer("LOYALTY_RULES_TIMEOUT_MS", 10, 60_000)),
        new Jobs(s.bool("LOYALTY_JOBS_ENABLED"), s.integer("LOYALTY_JOBS_RELEASE_EVERY_MS", 50, 3_600_000),
            s.integer("LOYALTY_JOBS_EXPIRE_EVERY_MS", 50, 86_400_000),
            s.integer("LOYALTY_JOBS_TIER_REVIEW_EVERY_MS", 50, 86_400_000),
            s.integer("LOYALTY_JOBS_BATCH_MEMBERS", 1, 100_000)),
        new Fulfillment(s.bool("LOYALTY_FULFILLMENT_ENABLED"), s.integer("LOYALTY_FULFILLMENT_INSTANCES", 1, 64),
            s.integer("LOYALTY_FULFILLMENT_POLL_MS", 10, 60_000), s.integer("LOYALTY_FULFILLMENT_CLAIM_BATCH", 1, 10_000),
            s.integer("LOYALTY_FULFILLMENT_LEASE_MS", 1_000, 3_600_000),
            s.integer("LOYALTY_FULFILLMENT_BACKOFF_BASE_MS", 1, 3_600_000),
            s.integer("LOYALTY_FULFILLMENT_BACKOFF_CAP_MS", 1, 86_400_000),
            s.integer("LOYALTY_FULFILLMENT_CIRCUIT_FAILURES_TO_OPEN", 1, 1_000),
            s.integer("LOYALTY_FULFILLMENT_CIRCUIT_RESET_MS", 10, 3_600_000)),
        new Ingest(s.bool("LOYALTY_INGEST_ENABLED"), s.integer("LOYALTY_INGEST_INSTANCES", 1, 64),
            s.integer("LOYALTY_INGEST_PARTITIONS", 1, 1024), s.integer("LOYALTY_INGEST_CHUNK_ITEMS", 1, 10_000),
            s.integer("LOYALTY_INGEST_POLL_MS", 1, 60_000), s.integer("LOYALTY_INGEST_LEASE_RETRY_MS", 10, 600_000),
            s.integer("LOYALTY_INGEST_RETENTION_DAYS", 1, 3650)));
    if (config.http.maxBulkBodyBytes < config.http.maxBodyBytes) {
      throw new ConfigException("LOYALTY_HTTP_MAX_BULK_BODY_BYTES must be at least LOYALTY_HTTP_MAX_BODY_BYTES");
    }
    config.validateUrls();
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
