package org.loyaltyengine.rules;

import io.vertx.core.Future;

import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Node-wide compiled rule sets by tenant and version. A version never changes once saved, so an entry never
 * goes stale: a new upload is a new key. Compiling happens once per node and version.
 */
public final class RuleSetCache {
  private static final int MAX_ENTRIES = 10_000;
  private final ConcurrentHashMap<String, CompiledRuleSet> entries = new ConcurrentHashMap<>();

  public Future<CompiledRuleSet> get(UUID tenantId, int version, Supplier<Future<RuleSet>> loader) {
    String key = tenantId + ":" + version;
    CompiledRuleSet cached = entries.get(key);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return loader.get().map(set -> {
      CompiledRuleSet compiled = CompiledRuleSet.compile(set);
      if (entries.size() >= MAX_ENTRIES) {
        entries.clear();
      }
      entries.putIfAbsent(key, compiled);
      return compiled;
    });
  }
}
