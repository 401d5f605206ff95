package org.loyaltyengine.tenant;

import io.vertx.core.Future;
import org.loyaltyengine.platform.RefreshingCache;

import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Node-wide cache of key hash to caller (or to "no such key"), so that authenticating a request costs no
 * database round trip. Entries are served for the TTL and re-read in the background from half of it on
 * ({@link RefreshingCache}), so steady traffic never waits for a reload; concurrent misses of one key share one
 * query. A revocation made on this node invalidates at once, one made elsewhere arrives by event bus, and the
 * TTL bounds staleness if that message is ever lost.
 */
public final class ApiKeyCache {
  private final RefreshingCache<String, Optional<Caller>> entries;

  public ApiKeyCache(long ttlMillis, int maxEntries, LongSupplier nanoClock) {
    this.entries = new RefreshingCache<>(ttlMillis, maxEntries, nanoClock);
  }

  /** The caller of the key with this hash (empty: unknown or revoked), from the cache or {@code loader}. */
  public Future<Optional<Caller>> get(String keyHash, Supplier<Future<Optional<Caller>>> loader) {
    return entries.get(keyHash, loader);
  }

  public void invalidate(String keyHash) {
    entries.invalidate(keyHash);
  }

  /** Forgets every key of {@code tenantId} (its rate-limit override changed). A scan: rare, operator-driven. */
  public void invalidateTenant(UUID tenantId) {
    entries.invalidateIf(c -> c.isPresent() && tenantId.equals(c.get().tenantId()));
  }

  public int size() {
    return entries.size();
  }
}
