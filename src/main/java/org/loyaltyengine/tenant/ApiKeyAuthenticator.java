package org.loyaltyengine.tenant;

import org.loyaltyengine.http.RouteMetrics;
import io.vertx.core.Future;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.Failures;
import org.loyaltyengine.ratelimit.Acquired;
import org.loyaltyengine.ratelimit.RateLimitClient;
import org.loyaltyengine.ratelimit.Verdict;

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
  private static final String READ = "readWithLimits";
  private static final int MAX_KEY_LENGTH = 200;
  private static final CharSequence LIMIT = HttpHeaders.createOptimized("RateLimit-Limit");
  private static final CharSequence REMAINING = HttpHeaders.createOptimized("RateLimit-Remaining");
  private static final CharSequence RESET = HttpHeaders.createOptimized("RateLimit-Reset");

  private final ApiKeyCache cache;
  private final ApiKeyRepository keys;
  private final RateLimitClient limits;

  public ApiKeyAuthenticator(ApiKeyCache cache, ApiKeyRepository keys) {
    this(cache, keys, null);
  }

  /** With {@code limits} set (rate limiting enabled), every authenticated request passes the rate limits first. */
  public ApiKeyAuthenticator(ApiKeyCache cache, ApiKeyRepository keys, RateLimitClient limits) {
    this.cache = cache;
    this.keys = keys;
    this.limits = limits;
  }

  public static Caller caller(RoutingContext ctx) {
    return ctx.get(CALLER);
  }

  /**
   * The Redis key a route will read for an authenticated, authorised caller (null: none): read by the rate
   * limiter's own script call, so that request costs one Redis round trip instead of two.
   */
  @FunctionalInterface
  public interface ReadAhead {
    String key(RoutingContext ctx, Caller caller);
  }

  /**
   * A {@link ReadAhead} key as the rate limiter's call left it: read ({@code value}, null when the key is absent),
   * or {@code failed} (Redis failed or timed out: the route should not call it again for this request).
   */
  public record ReadValue(String key, byte[] value, boolean failed) {}

  /**
   * What the rate limiter's call did with this request's {@link ReadAhead}, or null when it did not try (no
   * read-ahead, rate limiting off, its circuit open): the route then reads on its own.
   */
  public static ReadValue readAhead(RoutingContext ctx) {
    return ctx.get(READ);
  }

  /** A handler letting through callers whose key holds one of {@code allowed} (admin holds all). */
  public Handler<RoutingContext> require(Scope first, Scope... rest) {
    return require(null, first, rest);
  }

  /** {@link #require(Scope, Scope...)}, reading {@code readAhead}'s key with the rate limits (see {@link ReadAhead}). */
  public Handler<RoutingContext> require(ReadAhead readAhead, Scope first, Scope... rest) {
    Set<Scope> allowed = EnumSet.of(first, rest);
    return ctx -> {
      RouteMetrics.matched(ctx); // a failure is answered by the failure handler: its metrics keep this route
      String key = bearerToken(ctx.request().getHeader("Authorization"));
      if (key == null) {
        Failures.send(ctx, 401, "unauthorized", "a valid API key is required (Authorization: Bearer <key>)", null);
        return;
      }
      String hash = ApiKeySecret.hash(key);
      Future<Optional<Caller>> caller = cache.get(hash, () -> keys.findActive(hash));
      if (caller.succeeded()) { // cached: no callback to schedule
        admit(ctx, caller.result(), allowed, readAhead);
        return;
      }
      caller.onComplete(ar -> {
        if (ar.failed()) {
          ctx.fail(ar.cause());
          return;
        }
        admit(ctx, ar.result(), allowed, readAhead);
      });
    };
  }

  /** Every authenticated request counts against its key's and tenant's limits (403s included), then scopes. */
  private void admit(RoutingContext ctx, Optional<Caller> caller, Set<Scope> allowed, ReadAhead readAhead) {
    if (caller.isEmpty() || limits == null) {
      authorize(ctx, caller, allowed);
      return;
    }
    // a caller the scopes will refuse gets no read: its 403 must not cost (or reveal) a document
    String readKey = readAhead == null || !caller.get().mayUse(allowed) ? null : readAhead.key(ctx, caller.get());
    limits.acquire(caller.get(), readKey).onComplete(ar -> {
      if (ar.failed()) { // acquire falls back to the local limiter rather than fail; this is a bug if ever reached
        ctx.fail(ar.cause());
        return;
      }
      Acquired acquired = ar.result();
      if (acquired.read() || acquired.failed()) {
        ctx.put(READ, new ReadValue(readKey, acquired.value(), acquired.failed()));
      }
      Verdict v = acquired.verdict();
      ctx.response().putHeader(LIMIT, Long.toString(v.limit()))
          .putHeader(REMAINING, Long.toString(v.remaining()))
          .putHeader(RESET, Long.toString(v.resetSeconds()));
      if (v.allowed()) {
        authorize(ctx, caller, allowed);
      } else {
        ctx.response().putHeader("Retry-After", Long.toString(v.retryAfterSeconds()));
        Failures.send(ctx, 429, "rate_limited", "rate limit of " + v.limit()
            + " requests exceeded for this API key or its tenant; retry after " + v.retryAfterSeconds() + " s", null);
      }
    });
  }

  private static void authorize(RoutingContext ctx, Optional<Caller> caller, Set<Scope> allowed) {
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
