package org.loyaltyengine.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Response;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.platform.RedisLink;
import org.loyaltyengine.tenant.Caller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Rate limits shared by every node: one atomic Lua script per request in Redis (GCRA over the key's and
 * the tenant's buckets, Redis's clock for all nodes), called with EVALSHA over one pipelined connection.
 * Redis is behind a circuit breaker; when it fails, answers later than the decision's short time limit or its
 * circuit is open, the node's {@link LocalLimiter} decides instead. Only failures and answers slower than
 * {@link RedisLink#SICK_MS} count toward opening the circuit, so the node's own overload (its event loop behind) does not
 * open it. {@link #acquire} never fails.
 *
 * <p>A bucket's Redis key names its quota ({@code <prefix>:rl:k:<keyId>:<perSecond>:<burst>}), so a changed
 * limit starts a fresh, full bucket at once instead of inheriting debt computed under the old limit.
 */
public final class RateLimitClient {
  private static final Logger log = LoggerFactory.getLogger(RateLimitClient.class);

  /**
   * {@link Gcra#decide} in Lua. KEYS: bucket names, then optionally one more key to read; ARGV: perSecond, burst
   * for each bucket, in order. Returns {allowed, limit, remaining, reset, retry}, and when allowed and a key to
   * read was given, its value (nil when absent) as a sixth element: the read model's document comes back in the
   * same round trip as the decision (a refused request reads nothing).
   */
  static final String SCRIPT = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local buckets = #ARGV / 2
      local allowed = true
      local retry, dLimit, dReset = 0, 0, 0
      local limit, remaining, reset = 0, -1, 0
      local tats = {}
      for i = 1, buckets do
        local interval = math.floor(1000000 / tonumber(ARGV[2 * i - 1]))
        local burst = tonumber(ARGV[2 * i])
        local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
        if tat < now then tat = now end
        local newTat = tat + interval
        local allowAt = newTat - interval * burst
        if now < allowAt then
          allowed = false
          if allowAt - now > retry then retry, dLimit, dReset = allowAt - now, burst, tat - now end
        else
          tats[i] = newTat
          local left = math.floor((now - allowAt) / interval)
          if remaining < 0 or left < remaining then limit, remaining, reset = burst, left, newTat - now end
        end
      end
      if not allowed then return {0, dLimit, 0, dReset, retry} end
      for i = 1, buckets do
        redis.call('SET', KEYS[i], string.format('%d', tats[i]), 'PX', math.floor((tats[i] - now) / 1000) + 1000)
      end
      if #KEYS > buckets then return {1, limit, remaining, reset, 0, redis.call('GET', KEYS[buckets + 1])} end
      return {1, limit, remaining, reset, 0}""";
  private static final RedisLink.Script GCRA = RedisLink.Script.of(SCRIPT);

  private final RedisLink redis;
  private final CircuitBreaker breaker;
  private final LocalLimiter local;
  private final String keyPrefix;
  private final Quota keyDefault;
  private final Quota tenantDefault;
  private final int fallbackNodes;
  private final long decisionTimeoutMs;
  private final long readTimeoutMs;
  /** See {@link #buckets}; event-loop confined like the client. */
  private Caller lastCaller;
  private String[] lastBuckets;
  private final Counter allowedShared;
  private final Counter limitedShared;
  private final Counter allowedLocal;
  private final Counter limitedLocal;

  /**
   * {@code breaker} must have no time limit of its own: each call has its own, {@code config.redisTimeoutMs()} for a
   * decision alone, {@code readTimeoutMs} (the read model's) for a decision with a read, which the request would
   * wait for anyway.
   */
  RateLimitClient(RedisLink redis, CircuitBreaker breaker, LocalLimiter local, String keyPrefix, AppConfig.RateLimit config,
                  long readTimeoutMs, MeterRegistry registry) {
    this.redis = redis;
    this.breaker = breaker;
    this.local = local;
    this.keyPrefix = keyPrefix + ":rl:";
    this.keyDefault = new Quota(config.keyPerSecond(), config.keyBurst());
    this.tenantDefault = new Quota(config.tenantPerSecond(), config.tenantBurst());
    this.fallbackNodes = config.fallbackNodes();
    this.decisionTimeoutMs = config.redisTimeoutMs();
    this.readTimeoutMs = Math.max(readTimeoutMs, decisionTimeoutMs);
    this.allowedShared = counter(registry, "allowed", "redis");
    this.limitedShared = counter(registry, "limited", "redis");
    this.allowedLocal = counter(registry, "allowed", "local");
    this.limitedLocal = counter(registry, "limited", "local");
  }

  /**
   * The limiter of one HTTP verticle: its own breaker on its event loop, the node's shared local limiter, and the
   * verticle's line to Redis {@code redis} (the read model's: see {@code MemberCache.link}).
   */
  public static RateLimitClient create(Vertx vertx, RedisLink redis, AppConfig config, LocalLimiter local,
                                       MeterRegistry registry) {
    AppConfig.Redis r = config.redis();
    // no time limit here: each call sets its own (see the constructor)
    CircuitBreaker breaker = CircuitBreaker.create("redis-rate-limit", vertx, new CircuitBreakerOptions()
        .setMaxFailures(r.failuresToOpen()).setTimeout(-1).setResetTimeout(r.resetMs()));
    RateLimitClient client = new RateLimitClient(redis, breaker, local, r.keyPrefix(), config.rateLimit(), r.timeoutMs(),
        registry);
    breaker.openHandler(v -> {
      client.redis.reset(); // a hung connection looks healthy: the half-open probe starts on a fresh one
      log.warn("event=circuit_open circuit=redis-rate-limit reason=\"rate limits are enforced per node until Redis answers\"");
    }).closeHandler(v -> log.info("event=circuit_closed circuit=redis-rate-limit"));
    return client;
  }

  private static Counter counter(MeterRegistry registry, String result, String store) {
    return Counter.builder("loyalty_rate_limit_decisions")
        .description("Rate-limit decisions by result and by where they were taken (redis: shared; local: Redis unavailable)")
        .tag("result", result).tag("store", store).register(registry);
  }

  /** Takes one request from the caller's key and tenant buckets, or says how long to wait. Never fails. */
  public Future<Verdict> acquire(Caller caller) {
    return acquire(caller, null).map(Acquired::verdict);
  }

  /**
   * {@link #acquire(Caller)}, and when {@code readKey} is not null and the request is allowed, the value of that
   * Redis key read by the same script: one round trip for a decision and, say, the read model's document. Never
   * fails; when Redis does, the local limiter decides and {@link Acquired#read} is false.
   */
  public Future<Acquired> acquire(Caller caller, String readKey) {
    Quota key = caller.quotas().keyOr(keyDefault);
    Quota tenant = caller.quotas().tenantOr(tenantDefault);
    String[] buckets = buckets(caller, key, tenant);
    // The request waits for its decision at most the short limit, then decides locally; the circuit counts only
    // errors and answers after RedisLink.SICK_MS (a burst queued on the event loop opened it 2-4 times a run).
    return RedisLink.guarded(breaker, readKey == null ? decisionTimeoutMs : readTimeoutMs,
            () -> eval(buckets, key, tenant, readKey))
        .map(r -> {
          Verdict v = new Verdict(r.get(0).toInteger() == 1, r.get(1).toLong(), r.get(2).toLong(), r.get(3).toLong(),
              r.get(4).toLong());
          (v.allowed() ? allowedShared : limitedShared).increment();
          if (r.size() < 6) {
            return Acquired.decided(v);
          }
          Response value = r.get(5);
          return new Acquired(v, true, value == null ? null : value.toBytes(), false);
        })
        .otherwise(err -> {
          Verdict v = local.acquire(buckets, new Quota[] {key.perNode(fallbackNodes), tenant.perNode(fallbackNodes)});
          (v.allowed() ? allowedLocal : limitedLocal).increment();
          // an open circuit called nobody: the read may still be tried on its own path (its own circuit)
          boolean failed = readKey != null && v.allowed() && !(err instanceof OpenCircuitException);
          return new Acquired(v, false, null, failed);
        });
  }

  /**
   * The caller's two bucket names. The last caller's are kept: a cached key is one {@link Caller} instance (and
   * immutable) until its cache entry is reloaded, so a busy key does not rebuild the same strings per request.
   */
  private String[] buckets(Caller caller, Quota key, Quota tenant) {
    String[] names = lastBuckets;
    if (caller != lastCaller) {
      names = new String[] {bucket("k:", caller.keyId().toString(), key), bucket("t:", caller.tenantId().toString(), tenant)};
      lastCaller = caller;
      lastBuckets = names;
    }
    return names;
  }

  private String bucket(String kind, String id, Quota quota) {
    return keyPrefix + kind + id + ":" + quota.perSecond() + ":" + quota.burst();
  }

  private Future<Response> eval(String[] buckets, Quota key, Quota tenant, String readKey) {
    List<String> keys = readKey == null ? List.of(buckets) : List.of(buckets[0], buckets[1], readKey);
    return redis.eval(GCRA, keys, List.of(key.perSecond(), key.burst(), tenant.perSecond(), tenant.burst()));
  }
}
