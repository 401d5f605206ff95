package org.loyaltyengine.member;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Row;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tier.TierLookup;
import org.loyaltyengine.transaction.TransactionHistory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The read model of members: each member's status, profile and first history page as one pre-rendered document
 * in Redis ({@link MemberCache}), PostgreSQL the source of truth.
 *
 * <p>Every write that changes a member calls {@link #refresh} after its commit and before it answers: the
 * member's view is read again from the primary and stored, so the writer's next read — on any node — shows
 * the write (read-your-writes), and versions only move forward in the store (monotonic reads). A read finds
 * its document with one GET; a document missing, rendered with an older tier set, or past its validity
 * (time-dependent fields) is rebuilt from PostgreSQL, one query per member however many requests ask at once
 * on this verticle (single flight). A document that could not be stored after a write (Redis down or slow) is
 * remembered and stored again once Redis answers; until then this verticle does not read that member from Redis.
 */
public final class MemberLookup {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MemberLookup.class);
  /** The history rows a document keeps: the default page, plus one to tell whether a next page exists. */
  static final int HISTORY_ROWS = Paging.DEFAULT_LIMIT + 1;
  /** Members stored again per retry tick: a long outage's backlog drains in bounded steps. */
  static final int RETRY_MEMBERS = 500;

  /** Batches of at least this many documents are rendered on a worker thread. */
  static final int RENDER_ON_WORKER_FROM = 8;

  private final io.vertx.core.Vertx vertx;
  private final MemberCache cache;
  private final MemberRepository members;
  private final TierLookup tiers;
  private final Clock clock;
  private final int maxUnstored;
  /** Loads in flight, by tenant and external id: the single flight. Event-loop confined. */
  private final Map<String, Future<CachedMember>> loading = new HashMap<>();
  /** Members whose document a write could not store, by tenant; bounded by {@code maxUnstored}. */
  private final Map<UUID, Set<String>> unstored = new HashMap<>();
  private int unstoredCount;
  /**
   * Single-member refreshes gathered like group commits: the writes of one batch answer together, so their
   * refreshes arrive together and leave as one view statement and one store call (null: each on its own).
   */
  private final org.loyaltyengine.platform.GroupCommitter<RefreshOf, Boolean> gathered;

  /** One member's refresh after a write; {@code keepHistory}: see {@link #refreshKeepingHistory}. */
  private record RefreshOf(UUID tenantId, String externalId, boolean keepHistory, Added added) {}

  /** A purchase this node just wrote, to add to its member's stored history: see {@link #refreshAddingPurchase}. */
  public record Added(long historyVersion, org.loyaltyengine.transaction.HistoryPage.Entry entry) {}

  /** Refreshes in one batch at most; a lane with more waiting refreshes them on their own, never refuses one. */
  static final int REFRESH_BATCH = 100;
  private static final int REFRESH_MAX_WAITING = 10_000;

  /** @param vertx where batches of documents are rendered off the event loop (null: always inline) */
  public MemberLookup(io.vertx.core.Vertx vertx, MemberCache cache, MemberRepository members, TierLookup tiers,
                      Clock clock, int maxUnstored) {
    this.vertx = vertx;
    this.cache = cache;
    this.members = members;
    this.tiers = tiers;
    this.clock = clock;
    this.maxUnstored = maxUnstored;
    // A lane per tenant and kind, one batch in flight each: a refresh finding its lane idle leaves at once (no
    // added latency alone); those arriving meanwhile wait for it and leave together.
    this.gathered = vertx == null ? null : new org.loyaltyengine.platform.GroupCommitter<>(
        new org.loyaltyengine.platform.GroupCommitter.Settings(REFRESH_BATCH, 0, 1, REFRESH_MAX_WAITING),
        (ms, task) -> vertx.setTimer(Math.max(1, ms), id -> task.run()),
        r -> java.util.List.of(r.tenantId(), r.keepHistory()),
        (a, b) -> a.tenantId().equals(b.tenantId()) && a.keepHistory() == b.keepHistory(),
        batch -> refreshNow(batch.get(0).tenantId(), batch.stream().map(RefreshOf::externalId).toList(),
            batch.get(0).keepHistory(), additions(batch))
            .map(v -> java.util.Collections.nCopies(batch.size(), Boolean.TRUE)),
        r -> refreshNow(r.tenantId(), List.of(r.externalId()), r.keepHistory(), additions(List.of(r)))
            .map(Boolean.TRUE),
        (size, failed) -> cache.recordRefreshBatch(size));
  }

  /** One member's refresh, gathered with the others arriving meanwhile (see {@link #gathered}). Never fails. */
  private Future<Void> refreshGathered(UUID tenantId, String externalId, boolean keepHistory, Added added) {
    RefreshOf r = new RefreshOf(tenantId, externalId, keepHistory, added);
    if (gathered == null) {
      return refreshNow(tenantId, List.of(externalId), keepHistory, additions(List.of(r)));
    }
    written(tenantId, List.of(externalId)); // at once, not when its batch leaves
    return gathered.submit(r)
        .<Void>mapEmpty()
        // refused (a lane full of waiting refreshes): done on its own, never dropped
        .recover(err -> refreshNow(tenantId, List.of(externalId), keepHistory, additions(List.of(r))));
  }

  private static Map<String, List<Added>> additions(List<RefreshOf> refreshes) {
    Map<String, List<Added>> added = new HashMap<>();
    for (RefreshOf r : refreshes) {
      if (r.added() != null) {
        added.computeIfAbsent(r.externalId(), id -> new ArrayList<>(1)).add(r.added());
      }
    }
    return added;
  }

  private Future<Void> refreshNow(UUID tenantId, Collection<String> externalIds, boolean keepHistory,
                                  Map<String, List<Added>> added) {
    return keepHistory ? refreshKeepingHistory(tenantId, externalIds, added) : refresh(tenantId, externalIds);
  }

  /**
   * The read model a verticle uses: its own Redis client (handed to {@code clientSink}, which closes it on stop)
   * behind its own circuit breaker, and a timer storing again, every second, what writes could not store.
   */
  public static MemberLookup create(io.vertx.core.Vertx vertx, org.loyaltyengine.platform.AppConfig config,
                                    io.micrometer.core.instrument.MeterRegistry registry, String breakerName,
                                    java.util.function.Consumer<io.vertx.redis.client.Redis> clientSink,
                                    MemberRepository members, TierLookup tiers, Clock clock) {
    MemberCache cache = MemberCache.create(vertx, config, registry, breakerName, clientSink);
    MemberLookup lookup = new MemberLookup(vertx, cache, members, tiers, clock, config.cache().maxUnstored());
    vertx.setPeriodic(1000, id -> lookup.retryUnstored());
    return lookup;
  }

  public static Rejection notFound(String externalId) {
    return Rejection.notFound("member_not_found", "no member with externalId \"" + externalId + "\"");
  }

  /** The member's document. Fails with {@code member_not_found} (also for other tenants). */
  public Future<CachedMember> view(UUID tenantId, String externalId) {
    return view(tenantId, externalId, null);
  }

  /**
   * The read-ahead of the member reads (route parameter {@code externalId}): their document is read by the rate
   * limiter's script call, one Redis round trip per read ({@link #view(UUID, String, ApiKeyAuthenticator.ReadValue)}).
   * None for an id no member can have, or a member whose document this verticle could not store.
   */
  public ApiKeyAuthenticator.ReadAhead readAhead() {
    return (ctx, caller) -> {
      String externalId = ctx.pathParam("externalId");
      return MemberRules.isPlausibleExternalId(externalId) && !isUnstored(caller.tenantId(), externalId)
          ? cache.key(caller.tenantId(), externalId) : null;
    };
  }

  /**
   * {@link #view(UUID, String)} with the document already read from Redis by the rate limiter ({@code ahead}, may
   * be null: then it is read here). The same checks apply to it as to a document read here.
   */
  public Future<CachedMember> view(UUID tenantId, String externalId, ApiKeyAuthenticator.ReadValue ahead) {
    if (!MemberRules.isPlausibleExternalId(externalId)) {
      return Future.failedFuture(notFound(externalId)); // no such member can exist; spare the database
    }
    return tiers.activeVersioned(tenantId).compose(active -> {
      if (isUnstored(tenantId, externalId)) {
        return load(tenantId, externalId, active); // Redis may hold an older document than PostgreSQL
      }
      String key = cache.key(tenantId, externalId);
      Future<Optional<CachedMember>> document;
      if (ahead == null || !ahead.key().equals(key)) {
        document = cache.get(key);
      } else if (ahead.failed()) {
        document = Future.succeededFuture(cache.bypass()); // Redis just failed this request: PostgreSQL, no retry
      } else {
        document = Future.succeededFuture(MemberCache.document(ahead.value()));
      }
      return document.compose(found -> {
        boolean servable = found.isPresent() && found.get().servable(active.version(), clock.millis());
        cache.count(servable);
        return servable ? Future.succeededFuture(found.get()) : load(tenantId, externalId, active);
      });
    });
  }

  /** The member's snapshot, for writes that decide on it (status, tier, attributes, balance). */
  public Future<MemberSnapshot> find(UUID tenantId, String externalId) {
    return view(tenantId, externalId).map(MemberJson::fromProfile);
  }

  private Future<CachedMember> load(UUID tenantId, String externalId, TierLookup.ActiveTiers active) {
    String key = tenantId + ":" + externalId;
    Future<CachedMember> inFlight = loading.get(key);
    if (inFlight != null) {
      return inFlight;
    }
    Promise<CachedMember> promise = Promise.promise();
    loading.put(key, promise.future());
    cache.countRebuild();
    members.views(tenantId, List.of(externalId), active.set().windowDays(), HISTORY_ROWS)
        .compose(views -> {
          if (views.isEmpty()) {
            return Future.<CachedMember>failedFuture(notFound(externalId));
          }
          CachedMember document = render(views.get(0), active);
          // The reply does not wait for the store, but the load stays the one to join until the document is in
          // Redis: a request arriving in between would otherwise miss again and query again.
          Future<Boolean> stored = isUnstored(tenantId, externalId) ? Future.succeededFuture(false)
              : cache.putAll(tenantId, Map.of(externalId, document));
          stored.onComplete(ar -> loading.remove(key, promise.future()));
          return Future.succeededFuture(document);
        })
        .onFailure(err -> loading.remove(key, promise.future()))
        .onComplete(promise);
    return promise.future();
  }

  private static Map<String, CachedMember> renderAll(List<MemberRepository.View> views, TierLookup.ActiveTiers active) {
    Map<String, CachedMember> documents = new LinkedHashMap<>();
    views.forEach(v -> documents.put(v.snapshot().externalId(), render(v, active)));
    return documents;
  }

  private static CachedMember render(MemberRepository.View v, TierLookup.ActiveTiers active) {
    return render(v, active, TransactionHistory.newest(v.history(), Paging.DEFAULT_LIMIT).encode());
  }

  /** The document of {@code v} with {@code storedHistory}, the history of version {@code v.historyVersion()}. */
  private static CachedMember render(MemberRepository.View v, TierLookup.ActiveTiers active, byte[] storedHistory) {
    MemberSnapshot m = v.snapshot();
    return new CachedMember(m.version(), m.memberId(), active.version(), v.validUntilMillis(),
        MemberJson.status(m, active.set()).encode(), MemberJson.profile(m, active.set()).encode(), v.historyVersion(),
        storedHistory);
  }

  /**
   * After a write committed: reads these members' views from the primary and stores their documents, so the
   * next read anywhere shows the write. Never fails — the write is done whatever happens here; a document that
   * cannot be stored is remembered and stored once Redis answers again.
   */
  public Future<Void> refresh(UUID tenantId, Collection<String> externalIds) {
    if (externalIds.isEmpty()) {
      return Future.succeededFuture();
    }
    Set<String> ids = written(tenantId, externalIds);
    return settle(tenantId, ids, warm(tenantId, ids));
  }

  /** The members a write changed, each without a load in flight: a read after the write must not join an older one. */
  private Set<String> written(UUID tenantId, Collection<String> externalIds) {
    Set<String> ids = new LinkedHashSet<>(externalIds);
    ids.forEach(id -> loading.remove(tenantId + ":" + id));
    return ids;
  }

  /**
   * What a refresh of {@code ids} ends with: its members forgotten as unstored when {@code stored} is true,
   * remembered (and stored again later) when it is false or failed. Never fails.
   */
  private Future<Void> settle(UUID tenantId, Set<String> ids, Future<Boolean> stored) {
    return stored
        .otherwise(err -> {
          log.warn("event=read_model_refresh_failed members={} error=\"{}\"", ids.size(), err.toString());
          return false;
        })
        .map(done -> {
          if (done) {
            forgetUnstored(tenantId, ids);
          } else {
            rememberUnstored(tenantId, ids);
          }
          return null;
        });
  }

  /** {@link #refresh} of one member, in one statement with the other refreshes arriving meanwhile. */
  public Future<Void> refresh(UUID tenantId, String externalId) {
    return refreshGathered(tenantId, externalId, false, null);
  }

  /**
   * {@link #refresh} after a write that changed no transaction (a redemption, its fulfilment or refund, an
   * adjustment, expiry, a release): a member whose stored document holds the history of the version PostgreSQL
   * has now ({@code member_balances.history_version}, which every history-changing write bumps) keeps that
   * history, and only its balance, profile and validity are read — not its newest 50 transactions. The others
   * (no document, an older history: a concurrent purchase not stored yet) are read whole, as by {@link #refresh}.
   */
  public Future<Void> refreshKeepingHistory(UUID tenantId, Collection<String> externalIds) {
    return refreshKeepingHistory(tenantId, externalIds, Map.of());
  }

  /**
   * {@link #refreshKeepingHistory}, where a member's stored history may also be brought forward by purchases this
   * node wrote ({@code added}): see {@link #keptHistory}.
   */
  private Future<Void> refreshKeepingHistory(UUID tenantId, Collection<String> externalIds,
                                             Map<String, List<Added>> added) {
    if (externalIds.isEmpty()) {
      return Future.succeededFuture();
    }
    Set<String> ids = written(tenantId, externalIds);
    Future<Map<String, CachedMember>> stored = ids.stream().anyMatch(id -> isUnstored(tenantId, id))
        ? Future.succeededFuture(Map.of()) // Redis may hold an older document than PostgreSQL: read them whole
        : cache.getAll(tenantId, ids);
    return settle(tenantId, ids, stored.compose(documents -> tiers.activeVersioned(tenantId).compose(active ->
            members.views(tenantId, ids, active.set().windowDays(), 0).compose(views -> {
              Map<String, CachedMember> rendered = new LinkedHashMap<>();
              List<String> whole = new ArrayList<>();
              int extended = 0;
              for (MemberRepository.View v : views) {
                String id = v.snapshot().externalId();
                CachedMember old = documents.get(id);
                byte[] history = keptHistory(old, v.historyVersion(), added.getOrDefault(id, List.of()));
                if (history != null) {
                  rendered.put(id, render(v, active, history));
                  extended += old.historyVersion() < v.historyVersion() ? 1 : 0;
                } else {
                  whole.add(id);
                }
              }
              cache.countKeptHistories(rendered.size() - extended, extended);
              Future<Boolean> rest = whole.isEmpty() ? Future.succeededFuture(true) : warm(tenantId, whole);
              return rest.compose(ok -> cache.putAll(tenantId, rendered).map(done -> ok && done));
            }))));
  }

  /** {@link #refreshKeepingHistory} of one member, in one statement with the others arriving meanwhile. */
  public Future<Void> refreshKeepingHistory(UUID tenantId, String externalId) {
    return refreshGathered(tenantId, externalId, true, null);
  }

  /**
   * {@link #refresh} after this node wrote a purchase ({@code entry}, which made the member's history
   * {@code historyVersion}): the purchase is added to the history the document holds, when that history lacks
   * exactly the purchases this node wrote since ({@link #keptHistory}); else the history is read whole. In one
   * statement with the other refreshes arriving meanwhile.
   */
  public Future<Void> refreshAddingPurchase(UUID tenantId, String externalId, long historyVersion,
                                            org.loyaltyengine.transaction.HistoryPage.Entry entry) {
    return refreshGathered(tenantId, externalId, true, new Added(historyVersion, entry));
  }

  /**
   * {@link #refresh} of members after a chunk of writes that changed no transaction but {@code purchases} (by
   * external id, each with its history version): as {@link #refreshAddingPurchase}, for many members in one
   * statement. The asynchronous ingestion's chunks.
   */
  public Future<Void> refreshAddingPurchases(UUID tenantId, Collection<String> externalIds,
                                             Map<String, List<Added>> purchases) {
    return refreshKeepingHistory(tenantId, externalIds, purchases);
  }

  /**
   * The history a refreshed document keeps, or null when it must be read from PostgreSQL. The stored document
   * {@code old} holds the history of version {@code old.historyVersion()}; the member's is {@code current} now.
   * Equal: kept as it is. Older: brought forward when each version in between is a purchase of {@code added}
   * (written by this node, with its version), so nothing else changed the history meanwhile; anything else (no
   * document, a version in between this node did not write — another node's purchase, a fraud void) is read.
   */
  static byte[] keptHistory(CachedMember old, long current, List<Added> added) {
    if (old == null || old.historyVersion() < 0 || old.historyVersion() > current) {
      return null;
    }
    long have = old.historyVersion();
    if (have == current) {
      return old.history();
    }
    if (current - have > added.size()) {
      return null;
    }
    List<org.loyaltyengine.transaction.HistoryPage.Entry> missing = new ArrayList<>();
    for (long v = have + 1; v <= current; v++) {
      org.loyaltyengine.transaction.HistoryPage.Entry e = null;
      for (Added a : added) {
        if (a.historyVersion() == v) {
          e = a.entry();
        }
      }
      if (e == null) {
        return null;
      }
      missing.add(e);
    }
    return org.loyaltyengine.transaction.HistoryPage.decode(old.history())
        .withNewer(missing, Paging.DEFAULT_LIMIT).encode();
  }

  /**
   * {@link #refresh} (or, with {@code keepHistory}, {@link #refreshKeepingHistory}) for rows of several tenants
   * (columns tenant_id and external_id), one call per tenant.
   */
  public Future<Void> refreshRows(Iterable<Row> rows, boolean keepHistory) {
    List<Future<Void>> done = new ArrayList<>();
    byTenant(rows).forEach((tenantId, ids) -> done.add(refreshNow(tenantId, ids, keepHistory, Map.of())));
    return Future.all(done).mapEmpty();
  }

  /** Rows with columns tenant_id and external_id, as each tenant's external ids (in row order). */
  static Map<UUID, List<String>> byTenant(Iterable<Row> rows) {
    Map<UUID, List<String>> byTenant = new LinkedHashMap<>();
    for (Row r : rows) {
      byTenant.computeIfAbsent(r.getUUID("tenant_id"), t -> new ArrayList<>()).add(r.getString("external_id"));
    }
    return byTenant;
  }

  /**
   * Stores the documents of these members of one tenant (a warm-up): true when Redis took them all. Unlike
   * {@link #refresh} nothing is remembered on failure — the warm-up stops and starts again later.
   */
  public Future<Boolean> warm(UUID tenantId, Collection<String> externalIds) {
    return tiers.activeVersioned(tenantId).compose(active ->
        members.views(tenantId, externalIds, active.set().windowDays(), HISTORY_ROWS).compose(views -> {
          if (views.size() < RENDER_ON_WORKER_FROM || vertx == null) {
            return cache.putAll(tenantId, renderAll(views, active));
          }
          // A group commit's or a warm-up chunk's documents take tens of milliseconds to render and deflate:
          // on a worker, so the event loop keeps answering meanwhile (refusals under overload above all).
          return vertx.executeBlocking(() -> renderAll(views, active), false)
              .compose(documents -> cache.putAll(tenantId, documents));
        }));
  }

  public MemberCache store() {
    return cache;
  }

  /**
   * Stores again what writes could not store; called every second by the verticle, at most
   * {@link #RETRY_MEMBERS} members a time and only while Redis's circuit is closed (a retry during an outage
   * would only read views to throw them away). Never fails.
   */
  public Future<Void> retryUnstored() {
    if (unstored.isEmpty() || !cache.available()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> done = new ArrayList<>();
    int budget = RETRY_MEMBERS;
    for (Map.Entry<UUID, Set<String>> e : new ArrayList<>(unstored.entrySet())) {
      List<String> ids = e.getValue().stream().limit(budget).toList();
      budget -= ids.size();
      done.add(refresh(e.getKey(), ids));
      if (budget == 0) {
        break;
      }
    }
    return Future.all(done).mapEmpty();
  }

  int unstoredCount() {
    return unstoredCount;
  }

  private boolean isUnstored(UUID tenantId, String externalId) {
    Set<String> ids = unstored.get(tenantId);
    return ids != null && ids.contains(externalId);
  }

  private void rememberUnstored(UUID tenantId, Set<String> ids) {
    Set<String> set = unstored.computeIfAbsent(tenantId, t -> new LinkedHashSet<>());
    for (String id : ids) {
      if (unstoredCount >= maxUnstored) {
        // Bounded: beyond this the documents' TTL (cache.memberTtlSeconds) bounds how long one stays behind.
        log.warn("event=read_model_unstored_overflow max={}", maxUnstored);
        return;
      }
      if (set.add(id)) {
        unstoredCount++;
      }
    }
  }

  private void forgetUnstored(UUID tenantId, Set<String> ids) {
    Set<String> set = unstored.get(tenantId);
    if (set == null) {
      return;
    }
    for (String id : ids) {
      if (set.remove(id)) {
        unstoredCount--;
      }
    }
    if (set.isEmpty()) {
      unstored.remove(tenantId);
    }
  }
}
