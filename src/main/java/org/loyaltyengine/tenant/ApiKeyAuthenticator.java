package org.loyaltyengine.tenant;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.Failures;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves {@code Authorization: Bearer <key>} to a {@link Caller} and enforces the route's scopes.
 * The caller (and so the tenant) is the only tenant context a handler ever sees.
 */
public final class ApiKeyAuthenticator {
  /** Published (cluster-wide when clustered) with the key hash when a key is revoked. */
  public static final String REVOKED_ADDRESS = "loyalty.api-keys.revoked";
  private static final String CALLER = "caller";
  private static final int MAX_KEY_LENGTH = 200;

  private final ApiKeyCache cache;
  private final ApiKeyRepository keys;

  public ApiKeyAuthenticator(ApiKeyCache cache, ApiKeyRepository keys) {
    this.cache = cache;
    this.keys = keys;
  }

  public static Caller caller(RoutingContext ctx) {
    return ctx.get(CALLER);
  }

  /** A handler letting through callers whose key holds one of {@code allowed} (admin holds all). */
  public Handler<RoutingContext> require(Scope first, Scope... rest) {
    Set<Scope> allowed = EnumSet.of(first, rest);
    return ctx -> {
      String key = bearerToken(ctx.request().getHeader("Authorization"));
      if (key == null) {
        Failures.send(ctx, 401, "unauthorized", "a valid API key is required (Authorization: Bearer <key>)", null);
        return;
      }
      String hash = ApiKeySecret.hash(key);
      Optional<Optional<Caller>> cached = cache.lookup(hash);
      if (cached.isPresent()) {
        admit(ctx, cached.get(), allowed);
        return;
      }
      keys.findActive(hash).onComplete(ar -> {
        if (ar.failed()) {
          ctx.fail(ar.cause());
          return;
        }
        cache.remember(hash, ar.result());
        admit(ctx, ar.result(), allowed);
      });
    };
  }

  private static void admit(RoutingContext ctx, Optional<Caller> caller, Set<Scope> allowed) {
    if (caller.isEmpty()) {
      Failures.send(ctx, 401, "unauthorized", "the API key is unknown or revoked", null);
    } else if (!caller.get().mayUse(allowed)) {
      Failures.send(ctx, 403, "forbidden", "this API key's scopes do not allow this operation", null);
    } else {
      ctx.put(CALLER, caller.get());
      ctx.next();
    }
  }

  /** The token of a {@code Bearer} authorization header, or null when absent or implausible. */
  public static String bearerToken(String header) {
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).trim();
    return token.isEmpty() || token.length() > MAX_KEY_LENGTH ? null : token;
  }
}
