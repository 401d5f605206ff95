package org.loyaltyengine.member;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.Optional;
import java.util.UUID;

/**
 * Read-through cache of members in Redis, stored as {@code "<version>|<rest>"} ({@link CachedMember}).
 *
 * <p>A plain delete-on-write can lose a race: a reader that loaded version 1 from PostgreSQL may store it
 * after a writer committed version 2 and deleted the key, leaving a stale balance until the TTL. Instead a
 * writer leaves a fence {@code "<version>|"} and a Lua script stores a snapshot only if it is at least as
 * new as the fence (or newer than the cached snapshot), so an older read can never overwrite a newer one.
 *
 * <p>Redis is an optimisation, never a dependency: every call goes through a circuit breaker with a time
 * limit, and any failure reads as a miss so the caller falls back to PostgreSQL.
 */
public final class MemberCache {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MemberCache.class);
  // Both scripts read the version before '|'; a value with nothing after '|' is a fence.
  private static final String STORE_IF_NEWER = """
      local cur = redis.call('GET', KEYS[1])
      local sep = cur and string.find(cur, '|', 1, true)
      if sep then
        local v = tonumber(string.sub(cur, 1, sep - 1))
        local fence = (sep == string.len(cur))
        if (fence and v > tonumber(ARGV[1])) or ((not fence) and v >= tonumber(ARGV[1])) then return 0 end
      end
      redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
      return 1""";

  private static final String FENCE_IF_NEWER = """
      local cur = redis.call('GET', KEYS[1])
      local sep = cur and string.find(cur, '|', 1, true)
      if sep and tonumber(string.sub(cur, 1, sep - 1)) >= tonumber(ARGV[1]) then return 0 end
      redis.call('SET', KEYS[1], ARGV[1] .. '|', 'PX', ARGV[2])
      return 1""";

  /** FENCE_IF_NEWER for many members of one tenant in one call: KEYS[i] at version ARGV[i]; TTL last. */
  private static final String FENCE_ALL_IF_NEWER = """
      local ttl = ARGV[#ARGV]
      for i, key in ipairs(KEYS) do
        local cur = redis.call('GET', key)
        local sep = cur and string.find(cur, '|', 1, true)
        if not (sep and tonumber(string.sub(cur, 1, sep - 1)) >= tonumber(ARGV[i])) then
          redis.call('SET', key, ARGV[i] .. '|', 'PX', ttl)
        end
      end
      return #KEYS""";

  private final Redis redis;
  private final CircuitBreaker breaker;
  /** One pipelined connection, reopened on the next call after it fails; never shared across event loops. */
  private Future<io.vertx.redis.client.RedisConnection> connection;
  private final String keyPrefix;
  private final long ttlMillis;
  private final Counter hits;
  private final Counter misses;
  private final Counter bypassed;

  public MemberCache(Redis redis, CircuitBreaker breaker, String keyPrefix, long ttlSeconds, MeterRegistry registry) {
    this.redis = redis;
    this.breaker = breaker;
    this.keyPrefix = keyPrefix + ":member:";
    this.ttlMillis = ttlSeconds * 1000;
    this.hits = counter(registry, "hit");
    this.misses = counter(registry, "miss");
    this.bypassed = counter(registry, "bypass");
  }

  private static Counter counter(MeterRegistry registry, String result) {
    return Counter.builder("loyalty_member_cache_lookups")
        .description("Member snapshot cache lookups by result (bypass: Redis failed or its circuit is open)")
        .tag("result", result).register(registry);
  }

  /**
   * The cache a verticle uses: its own Redis client behind its own circuit breaker (both bound to the
   * verticle's event loop). The caller closes the returned client on stop.
   */
  public static MemberCache create(io.vertx.core.Vertx vertx, org.loyaltyengine.platform.AppConfig config,
                                   MeterRegistry registry, String breakerName, java.util.function.Consumer<Redis> clientSink) {
    org.loyaltyengine.platform.AppConfig.Redis r = config.redis();
    Redis redis = Redis.createClient(vertx, r.options());
    clientSink.accept(redis);
    CircuitBreaker breaker = CircuitBreaker.create(breakerName, vertx, new io.vertx.circuitbreaker.CircuitBreakerOptions()
        .setMaxFailures(r.failuresToOpen()).setTimeout(r.timeoutMs()).setResetTimeout(r.resetMs()));
    MemberCache cache = new MemberCache(redis, breaker, r.keyPrefix(), config.cache().memberTtlSeconds(), registry);
    breaker.openHandler(v -> {
      // a hung connection looks healthy: drop it, so the half-open probe starts on a fresh one
      cache.connection = null;
      log.warn("event=circuit_open circuit={} reason=\"cache calls failing; reads go to PostgreSQL\"", breakerName);
    }).closeHandler(v -> log.info("event=circuit_closed circuit={}", breakerName));
    return cache;
  }

  /** Fences every member in {@code rows} (columns tenant_id, external_id, snapshot_version). Never fails. */
  public Future<Void> invalidateAll(Iterable<io.vertx.sqlclient.Row> rows) {
    java.util.List<Future<Void>> fences = new java.util.ArrayList<>();
    for (io.vertx.sqlclient.Row r : rows) {
      Long version = r.getLong("snapshot_version");
      if (version != null) {
        fences.add(invalidate(r.getUUID("tenant_id"), r.getString("external_id"), version));
      }
    }
    return Future.all(fences).mapEmpty();
  }

  /**
   * Commands go over one long-lived connection, pipelined, instead of borrowing a pooled connection per
   * command: the pool's checkout and return cost more than the GET itself.
   */
  private Future<Response> send(Request request) {
    if (connection == null || connection.failed()) {
      Future<io.vertx.redis.client.RedisConnection> opening = redis.connect();
      connection = opening;
      opening.onSuccess(c -> {
        c.exceptionHandler(err -> forget(opening));
        c.endHandler(v -> forget(opening));
      });
    }
    return connection.compose(c -> c.send(request));
  }

  private void forget(Future<io.vertx.redis.client.RedisConnection> broken) {
    if (connection == broken) {
      connection = null;
    }
  }

  String key(UUID tenantId, String externalId) {
    return keyPrefix + tenantId + ":" + externalId;
  }

  /** The cached member, or empty on a miss, a fence, or any Redis trouble. Never fails. */
  public Future<Optional<CachedMember>> get(UUID tenantId, String externalId) {
    return breaker.<Response>execute(() -> send(Request.cmd(Command.GET).arg(key(tenantId, externalId))))
        .map(response -> {
          Optional<CachedMember> cached = response == null ? Optional.empty() : CachedMember.decode(response.toString());
          (cached.isPresent() ? hits : misses).increment();
          return cached;
        })
        .otherwise(err -> {
          bypassed.increment();
          return Optional.empty();
        });
  }

  /** Stores a member read from PostgreSQL unless something newer is already there. Never fails. */
  public Future<Void> put(UUID tenantId, String externalId, CachedMember member) {
    String encoded = member.encode();
    return breaker.<Response>execute(() -> send(Request.cmd(Command.EVAL).arg(STORE_IF_NEWER).arg(1)
            .arg(key(tenantId, externalId)).arg(member.version())
            .arg(encoded.substring(encoded.indexOf('|') + 1)) // the script puts the version back in front
            .arg(ttlMillis)))
        .<Void>mapEmpty()
        .otherwise((Void) null);
  }

  /**
   * {@link #invalidate} for many members of one tenant at once (a bulk write): one script call however many
   * members, so a thousand fences cost one round trip and one circuit-breaker call. Never fails.
   */
  public Future<Void> invalidateAll(UUID tenantId, java.util.Map<String, Long> newVersions) {
    if (newVersions.isEmpty()) {
      return Future.succeededFuture();
    }
    Request eval = Request.cmd(Command.EVAL).arg(FENCE_ALL_IF_NEWER).arg(newVersions.size());
    newVersions.keySet().forEach(externalId -> eval.arg(key(tenantId, externalId)));
    newVersions.values().forEach(eval::arg);
    eval.arg(ttlMillis);
    return breaker.<Response>execute(() -> send(eval)).<Void>mapEmpty().otherwise((Void) null);
  }

  /**
   * Called after a write commits: replaces whatever is cached with a fence at the new version, so older
   * snapshots still in flight are refused and the next read loads the new state.
   */
  public Future<Void> invalidate(UUID tenantId, String externalId, long newVersion) {
    return breaker.<Response>execute(() -> send(Request.cmd(Command.EVAL).arg(FENCE_IF_NEWER).arg(1)
            .arg(key(tenantId, externalId)).arg(newVersion).arg(ttlMillis)))
        .<Void>mapEmpty()
        .otherwise((Void) null);
  }
}
