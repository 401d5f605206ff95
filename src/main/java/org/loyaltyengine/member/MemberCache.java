package org.loyaltyengine.member;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.loyaltyengine.platform.RedisLink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The read model's store: each member's document ({@link CachedMember}) under one Redis key, written by the
 * writes that change it and by reads that found it missing or stale.
 *
 * <p>Documents only move forward: the script stores one only if no newer version is there, so a reader that
 * loaded version 1 from PostgreSQL can never put it back over the version 2 a writer stored after its commit
 * (an equal version is re-stored: same state, maybe a newer tier set or validity).
 *
 * <p>Redis is an optimisation, never a dependency: every call goes through a circuit breaker with a time
 * limit, and any failure reads as a miss (the caller falls back to PostgreSQL) or a store not done.
 */
public final class MemberCache {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MemberCache.class);
  /** KEYS[i] gets document ARGV[2i], of version ARGV[2i-1], unless a newer version is there; the TTL is last. */
  private static final RedisLink.Script STORE_ALL_IF_NOT_OLDER = RedisLink.Script.of("""
      local ttl = ARGV[#ARGV]
      for i, key in ipairs(KEYS) do
        local v = ARGV[2 * i - 1]
        local cur = redis.call('GET', key)
        local sep = cur and string.find(cur, '|', 1, true)
        if not (sep and tonumber(string.sub(cur, 1, sep - 1)) > tonumber(v)) then
          redis.call('SET', key, ARGV[2 * i], 'PX', ttl)
        end
      end
      return #KEYS""");

  /** Marks the read model complete only if the warm-up that began with token ARGV[1] is still the one recorded. */
  private static final RedisLink.Script END_WARM_UP = RedisLink.Script.of("""
      if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
      redis.call('SET', KEYS[2], ARGV[1])
      redis.call('DEL', KEYS[1])
      return 1""");

  private final RedisLink redis;
  private final CircuitBreaker breaker;
  private final String keyPrefix;
  private final String completeKey;
  private final long ttlMillis;
  private final long timeoutMs;
  private final Counter hits;
  private final Counter misses;
  private final Counter bypassed;
  private final Counter rebuilt;
  private final Counter keptHistories;
  private final Counter extendedHistories;
  private final io.micrometer.core.instrument.DistributionSummary refreshBatches;

  /**
   * @param breaker  without a time limit of its own: each call waits at most {@code timeoutMs}, and the circuit
   *                 counts a call as failed only when Redis errs or answers after {@link RedisLink#SICK_MS}
   */
  public MemberCache(Redis redis, CircuitBreaker breaker, String keyPrefix, long ttlSeconds, long timeoutMs,
                     MeterRegistry registry) {
    this.timeoutMs = timeoutMs;
    this.redis = new RedisLink(redis);
    this.breaker = breaker;
    this.keyPrefix = keyPrefix + ":mv:";
    this.completeKey = completeKey(keyPrefix);
    this.ttlMillis = ttlSeconds * 1000;
    this.hits = counter(registry, "hit");
    this.misses = counter(registry, "miss");
    this.bypassed = counter(registry, "bypass");
    this.rebuilt = Counter.builder("loyalty_read_model_rebuilds")
        .description("Documents read again from PostgreSQL for a read (absent, stale or Redis unavailable); one per member however many reads wait for it")
        .register(registry);
    this.refreshBatches = io.micrometer.core.instrument.DistributionSummary.builder("loyalty_read_model_refresh_batch_size")
        .description("Members refreshed together after writes: one view statement and one store call per batch")
        .serviceLevelObjectives(1, 2, 5, 10, 25, 50, 100).register(registry);
    String kept = "Documents stored after a write keeping the history they held, not read again"
        + " (purchases=\"added\": with this node's new purchases added to it)";
    this.keptHistories = Counter.builder("loyalty_read_model_histories_kept").description(kept)
        .tag("purchases", "none").register(registry);
    this.extendedHistories = Counter.builder("loyalty_read_model_histories_kept").description(kept)
        .tag("purchases", "added").register(registry);
  }

  private static Counter counter(MeterRegistry registry, String result) {
    return Counter.builder("loyalty_member_cache_lookups")
        .description("Read-model document lookups by result (miss: absent, stale or bypassed; bypass: Redis failed or its circuit is open)")
        .tag("result", result).register(registry);
  }

  /**
   * The store a verticle uses: its own Redis client behind its own circuit breaker (both bound to the
   * verticle's event loop). The caller closes the client it is handed on stop.
   */
  public static MemberCache create(io.vertx.core.Vertx vertx, org.loyaltyengine.platform.AppConfig config,
                                   MeterRegistry registry, String breakerName, java.util.function.Consumer<Redis> clientSink) {
    org.loyaltyengine.platform.AppConfig.Redis r = config.redis();
    Redis redis = Redis.createClient(vertx, r.options());
    clientSink.accept(redis);
    CircuitBreaker breaker = CircuitBreaker.create(breakerName, vertx, new io.vertx.circuitbreaker.CircuitBreakerOptions()
        .setMaxFailures(r.failuresToOpen()).setTimeout(-1).setResetTimeout(r.resetMs()));
    MemberCache cache = new MemberCache(redis, breaker, r.keyPrefix(), config.cache().memberTtlSeconds(), r.timeoutMs(),
        registry);
    breaker.openHandler(v -> {
      cache.redis.reset(); // a hung connection looks healthy: the half-open probe starts on a fresh one
      log.warn("event=circuit_open circuit={} reason=\"read-model calls failing; reads go to PostgreSQL\"", breakerName);
    }).closeHandler(v -> log.info("event=circuit_closed circuit={}", breakerName));
    return cache;
  }

  /** A Redis call behind the circuit: late after {@code timeoutMs} for the caller (then PostgreSQL answers). */
  private Future<Response> call(java.util.function.Supplier<Future<Response>> command) {
    return RedisLink.guarded(breaker, timeoutMs, command);
  }

  /** The marker of a complete read model (see {@link #isComplete}) under the Redis key prefix {@code prefix}. */
  public static String completeKey(String prefix) {
    return prefix + ":mv:complete";
  }

  String key(UUID tenantId, String externalId) {
    return keyPrefix + tenantId + ":" + externalId;
  }

  /** The member's document, or empty when there is none or Redis is in trouble (counted as a bypass). Never fails. */
  public Future<Optional<CachedMember>> get(UUID tenantId, String externalId) {
    return get(key(tenantId, externalId));
  }

  /** {@link #get(UUID, String)} by the document's key ({@link #key}). */
  Future<Optional<CachedMember>> get(String key) {
    return call(() -> redis.send(Request.cmd(Command.GET).arg(key)))
        .map(response -> document(response == null ? null : response.toBytes()))
        .otherwise(err -> bypass());
  }

  /** A lookup Redis failed: counted as a bypass, read as a miss. */
  Optional<CachedMember> bypass() {
    bypassed.increment();
    return Optional.empty();
  }

  /** The document stored as {@code value} (null: none stored). */
  static Optional<CachedMember> document(byte[] value) {
    return value == null ? Optional.empty() : CachedMember.decode(value);
  }

  /**
   * This store's line to Redis, for the rate limiter to share: a document read with the rate limits then travels
   * in order with this store's writes, so a read sent before a rebuild's store is answered before it, while the
   * rebuild is still the one to join (single flight).
   */
  public RedisLink link() {
    return redis;
  }

  /** Whether Redis is being called (its circuit is not open). */
  boolean available() {
    return breaker.state() != io.vertx.circuitbreaker.CircuitBreakerState.OPEN;
  }

  /** Counts a lookup: served from the document, or a miss (absent, stale, or bypassed — those also count as bypass). */
  void count(boolean served) {
    (served ? hits : misses).increment();
  }

  /**
   * Whether every member has a document: true from the end of a warm-up until Redis loses the marker with the
   * documents (flushed, restarted without persistence). Fails when Redis does.
   */
  public Future<Boolean> isComplete() {
    return call(() -> redis.send(Request.cmd(Command.EXISTS).arg(completeKey)))
        .map(r -> r.toInteger() == 1);
  }

  /**
   * The documents no longer all hold (a tenant's tier set changed): drops the marker and any warm-up's token, so
   * the next warm-up check renders every document again and one already running cannot mark the model complete.
   * Never fails (Redis unreachable: the documents are rebuilt one by one as they are read).
   */
  public Future<Void> markIncomplete() {
    return call(() -> redis.send(Request.cmd(Command.DEL).arg(completeKey).arg(keyPrefix + "warming")))
        .<Void>mapEmpty().otherwise((Void) null);
  }

  /** Records the start of a warm-up; a flush before its end erases the record, so the end cannot mark it complete. */
  public Future<Void> beginWarmUp(String token) {
    return call(() -> redis.send(Request.cmd(Command.SET).arg(keyPrefix + "warming").arg(token)))
        .mapEmpty();
  }

  /** Marks the read model complete if the warm-up {@code token} began is still the recorded one. */
  public Future<Boolean> endWarmUp(String token) {
    return call(() -> redis.eval(END_WARM_UP, List.of(keyPrefix + "warming", completeKey),
        List.of(token))).map(r -> r.toInteger() == 1);
  }

  void countRebuild() {
    rebuilt.increment();
  }

  void recordRefreshBatch(int members) {
    refreshBatches.record(members);
  }

  void countKeptHistories(int asTheyWere, int withPurchasesAdded) {
    keptHistories.increment(asTheyWere);
    extendedHistories.increment(withPurchasesAdded);
  }

  /**
   * The documents of these members of one tenant that Redis holds, by external id, in one MGET; none (never a
   * failure) when Redis is in trouble.
   */
  public Future<Map<String, CachedMember>> getAll(UUID tenantId, java.util.Collection<String> externalIds) {
    List<String> ids = List.copyOf(externalIds);
    Request mget = Request.cmd(Command.MGET);
    ids.forEach(id -> mget.arg(key(tenantId, id)));
    return call(() -> redis.send(mget))
        .map(response -> {
          Map<String, CachedMember> found = new java.util.HashMap<>();
          for (int i = 0; i < ids.size() && response != null && i < response.size(); i++) {
            Response value = response.get(i);
            String externalId = ids.get(i);
            document(value == null ? null : value.toBytes()).ifPresent(d -> found.put(externalId, d));
          }
          return found;
        })
        .otherwise(err -> Map.of());
  }

  /**
   * Stores the documents of members of one tenant (keyed by external id), each unless a newer one is there, in
   * one script call. True when Redis did it; false (never a failure) when it could not.
   */
  public Future<Boolean> putAll(UUID tenantId, Map<String, CachedMember> documents) {
    if (documents.isEmpty()) {
      return Future.succeededFuture(true);
    }
    List<String> keys = new ArrayList<>(documents.size());
    List<Object> args = new ArrayList<>(documents.size() * 2 + 1);
    documents.forEach((externalId, d) -> {
      keys.add(key(tenantId, externalId));
      args.add(d.version());
      args.add(d.encode());
    });
    // up to 10 % shorter at random: documents stored together (a warm-up) do not all leave together
    args.add(ttlMillis - java.util.concurrent.ThreadLocalRandom.current().nextLong(ttlMillis / 10 + 1));
    return call(() -> redis.eval(STORE_ALL_IF_NOT_OLDER, keys, args))
        .map(true)
        .otherwise(false);
  }
}
