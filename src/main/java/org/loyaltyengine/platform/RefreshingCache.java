package org.loyaltyengine.platform;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A node-wide cache, shared by the event loops, of values that change rarely (API keys, tenant settings):
 * <ul>
 *   <li>served for {@code ttl} from the moment its load began, never longer (the bound on staleness); from half
 *       the TTL on, the first request also starts <b>one background refresh</b> (refresh ahead: a value still
 *       served is revalidated), so under steady traffic no request ever waits for a reload;</li>
 *   <li><b>single flight</b>: however many requests miss one key at once, one load runs; the others wait for it
 *       and are answered on their own event loop;</li>
 *   <li>{@link #invalidate} is immediate: the entry and any load begun before it are forgotten, and a load that
 *       began before an invalidation never stores its (possibly revoked) result;</li>
 *   <li>bounded: at {@code maxEntries} it forgets everything (crude, but a flood of random keys cannot grow it).</li>
 * </ul>
 * A ttl of 0 caches nothing (every get loads; concurrent gets of one key still share a load).
 */
public final class RefreshingCache<K, V> {
  private final class Entry {
    final V value;
    final long loadedAtNanos;
    final AtomicBoolean refreshing = new AtomicBoolean();

    Entry(V value, long loadedAtNanos) {
      this.value = value;
      this.loadedAtNanos = loadedAtNanos;
    }
  }

  private final ConcurrentHashMap<K, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<K, Future<V>> loads = new ConcurrentHashMap<>();
  /** Bumped by every invalidation: a load that saw another value of it may not store its result. */
  private final AtomicLong invalidations = new AtomicLong();
  private final long ttlNanos;
  private final int maxEntries;
  private final LongSupplier nanoClock;

  public RefreshingCache(long ttlMillis, int maxEntries, LongSupplier nanoClock) {
    this.ttlNanos = ttlMillis * 1_000_000L;
    this.maxEntries = maxEntries;
    this.nanoClock = nanoClock;
  }

  public Future<V> get(K key, Supplier<Future<V>> loader) {
    Entry e = entries.get(key);
    if (e != null) {
      long age = nanoClock.getAsLong() - e.loadedAtNanos;
      if (age < ttlNanos) {
        if (age >= ttlNanos / 2 && e.refreshing.compareAndSet(false, true)) {
          load(key, loader).onFailure(err -> e.refreshing.set(false)); // the next request tries again
        }
        return Future.succeededFuture(e.value);
      }
    }
    return load(key, loader);
  }

  /** What is cached for {@code key} and still fresh, or null; never loads. */
  public V peek(K key) {
    Entry e = entries.get(key);
    return e != null && nanoClock.getAsLong() - e.loadedAtNanos < ttlNanos ? e.value : null;
  }

  /** Stores a value known to be current (the node itself just changed it). */
  public void put(K key, V value) {
    store(key, value, invalidations.get(), nanoClock.getAsLong());
  }

  public void invalidate(K key) {
    invalidations.incrementAndGet();
    entries.remove(key);
    loads.remove(key);
  }

  /** Forgets every entry whose value matches (a rare, operator-driven change touching many keys). */
  public void invalidateIf(Predicate<V> stale) {
    invalidations.incrementAndGet();
    entries.values().removeIf(e -> e.value != null && stale.test(e.value));
    loads.clear();
  }

  public int size() {
    return entries.size();
  }

  private Future<V> load(K key, Supplier<Future<V>> loader) {
    Promise<V> mine = Promise.promise();
    Future<V> running = loads.putIfAbsent(key, mine.future());
    if (running != null) {
      return onCallersContext(running);
    }
    long seen = invalidations.get();
    long startedAt = nanoClock.getAsLong(); // the value is as old as the query that read it
    Future<V> loaded;
    try {
      loaded = loader.get();
    } catch (RuntimeException e) {
      loaded = Future.failedFuture(e);
    }
    loaded.onComplete(ar -> {
      if (ar.succeeded()) {
        store(key, ar.result(), seen, startedAt);
      }
      loads.remove(key, mine.future());
      mine.handle(ar);
    });
    return mine.future();
  }

  private void store(K key, V value, long seenInvalidations, long loadedAtNanos) {
    if (ttlNanos == 0 || invalidations.get() != seenInvalidations) {
      return;
    }
    if (entries.size() >= maxEntries) {
      entries.clear();
    }
    Entry entry = new Entry(value, loadedAtNanos);
    entries.put(key, entry);
    if (invalidations.get() != seenInvalidations) {
      entries.remove(key, entry); // an invalidation slipped in between the check and the put
    }
  }

  /** Another event loop's load: its result is handed back on this request's own event loop. */
  private static <V> Future<V> onCallersContext(Future<V> running) {
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return running;
    }
    Promise<V> relay = Promise.promise();
    running.onComplete(ar -> caller.runOnContext(v -> relay.handle(ar)));
    return relay.future();
  }
}
