package org.loyaltyengine.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.Failures;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.ApiKeyCache;
import org.loyaltyengine.tenant.ApiKeySecret;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Run-time rate-limit overrides: a key's by its tenant's admin ({@code /v1/api-keys/:keyId/rate-limit}), a
 * tenant's by the platform operator ({@code /v1/tenants/:tenantId/rate-limit}). Overrides live in PostgreSQL
 * and travel with the cached API key: this node applies a change at once, other nodes when the change is
 * published on the event bus (clustered) and at the latest when their key cache entry expires
 * ({@code auth.keyCacheTtlMs}, one second by default).
 */
public final class RateLimitRoutes {
  /** Published with a tenant id when the operator changes the tenant's limit: nodes forget its cached keys. */
  public static final String TENANT_CHANGED_ADDRESS = "loyalty.rate-limits.tenant-changed";
  private static final Set<String> FIELDS = Set.of("requestsPerSecond", "burst");

  private final RateLimitRepository repository;
  private final ApiKeyCache keys;
  private final EventBus eventBus;
  private final String operatorToken;
  private final Quota keyDefault;
  private final Quota tenantDefault;

  public RateLimitRoutes(RateLimitRepository repository, ApiKeyCache keys, EventBus eventBus, String operatorToken,
                         Quota keyDefault, Quota tenantDefault) {
    this.repository = repository;
    this.keys = keys;
    this.eventBus = eventBus;
    this.operatorToken = operatorToken;
    this.keyDefault = keyDefault;
    this.tenantDefault = tenantDefault;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.get("/v1/api-keys/:keyId/rate-limit").handler(auth.require(Scope.ADMIN)).handler(this::showKey);
    router.put("/v1/api-keys/:keyId/rate-limit").handler(auth.require(Scope.ADMIN)).handler(ctx -> setKey(ctx, quota(ctx)));
    router.delete("/v1/api-keys/:keyId/rate-limit").handler(auth.require(Scope.ADMIN)).handler(ctx -> setKey(ctx, null));
    router.get("/v1/tenants/:tenantId/rate-limit").handler(this::operatorOnly).handler(this::showTenant);
    router.put("/v1/tenants/:tenantId/rate-limit").handler(this::operatorOnly)
        .handler(ctx -> setTenant(ctx, quota(ctx)));
    router.delete("/v1/tenants/:tenantId/rate-limit").handler(this::operatorOnly).handler(ctx -> setTenant(ctx, null));
  }

  private void showKey(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    UUID keyId = id(ctx, "keyId", "api_key_not_found", "API key");
    Responses.reply(ctx, 200, repository.key(caller.tenantId(), keyId)
        .compose(found -> found(found, "api_key_not_found", "no API key " + keyId + " in this tenant"))
        .map(o -> json("keyId", keyId, o.quota(), keyDefault)));
  }

  private void setKey(RoutingContext ctx, Quota quota) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    UUID keyId = id(ctx, "keyId", "api_key_not_found", "API key");
    Responses.reply(ctx, 200, repository.setKey(caller.tenantId(), keyId, quota)
        .compose(found -> found(found, "api_key_not_found", "no API key " + keyId + " in this tenant"))
        .map(o -> {
          keys.invalidate(o.keyHash()); // this node: the very next request uses the new limit
          eventBus.publish(org.loyaltyengine.tenant.ApiKeyAuthenticator.REVOKED_ADDRESS, o.keyHash()); // others drop it too
          return json("keyId", keyId, o.quota(), keyDefault);
        }));
  }

  private void showTenant(RoutingContext ctx) {
    UUID tenantId = id(ctx, "tenantId", "tenant_not_found", "tenant");
    Responses.reply(ctx, 200, repository.tenant(tenantId)
        .compose(found -> found(found, "tenant_not_found", "no tenant " + tenantId))
        .map(q -> json("tenantId", tenantId, q.orElse(null), tenantDefault)));
  }

  private void setTenant(RoutingContext ctx, Quota quota) {
    UUID tenantId = id(ctx, "tenantId", "tenant_not_found", "tenant");
    Responses.reply(ctx, 200, repository.setTenant(tenantId, quota)
        .compose(found -> found(found, "tenant_not_found", "no tenant " + tenantId))
        .map(q -> {
          keys.invalidateTenant(tenantId);
          eventBus.publish(TENANT_CHANGED_ADDRESS, tenantId.toString());
          return json("tenantId", tenantId, q.orElse(null), tenantDefault);
        }));
  }

  private void operatorOnly(RoutingContext ctx) {
    String presented = ApiKeyAuthenticator.bearerToken(ctx.request().getHeader("Authorization"));
    if (operatorToken.isEmpty() || presented == null || !ApiKeySecret.sameSecret(operatorToken, presented)) {
      Failures.send(ctx, 401, "unauthorized", "the platform operator token is required", null);
      return;
    }
    ctx.next();
  }

  /** The body of a PUT: {@code requestsPerSecond} and optionally {@code burst} (default: one second's worth). */
  private static Quota quota(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx).allowOnly(FIELDS);
    int perSecond = (int) in.requiredLong("requestsPerSecond", 1, Quota.MAX_PER_SECOND);
    int burst = (int) in.optionalLong("burst", 1, Quota.MAX_BURST).orElse((long) perSecond).longValue();
    return new Quota(perSecond, burst);
  }

  private static JsonObject json(String idField, UUID id, Quota override, Quota fallback) {
    Quota effective = override != null ? override : fallback;
    return new JsonObject().put(idField, id.toString())
        .put("requestsPerSecond", effective.perSecond())
        .put("burst", effective.burst())
        .put("source", override != null ? "override" : "default");
  }

  private static <T> Future<T> found(Optional<T> value, String code, String message) {
    return value.map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(Rejection.notFound(code, message)));
  }

  private static UUID id(RoutingContext ctx, String param, String code, String what) {
    String raw = ctx.pathParam(param);
    try {
      return UUID.fromString(raw);
    } catch (IllegalArgumentException e) {
      throw Rejection.notFound(code, "no " + what + " " + raw);
    }
  }
}
