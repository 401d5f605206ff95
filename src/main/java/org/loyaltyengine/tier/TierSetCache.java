package org.loyaltyengine.tier;

import io.vertx.core.Future;

import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Node-wide: a tier set version never changes, so entries never go stale; only the bound evicts. */
public final class TierSetCache {
  private static final int MAX_ENTRIES = 10_000;
  private final ConcurrentHashMap<String, TierSet> entries = new ConcurrentHashMap<>();

  public Future<TierSet> get(UUID tenantId, int version, Supplier<Future<TierSet>> loader) {
    if (version == 0) {
      return Future.succeededFuture(TierSet.NONE);
    }
    String key = tenantId + ":" + version;
    TierSet cached = entries.get(key);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return loader.get().onSuccess(set -> {
      if (entries.size() >= MAX_ENTRIES) {
        entries.clear();
      }
      entries.put(key, set);
    });
  }
}
