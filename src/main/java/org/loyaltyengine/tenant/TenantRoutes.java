package org.loyaltyengine.tenant;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.Failures;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.platform.Rejection;

import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/** Tenant creation (platform operator) and a tenant's own API keys (admin scope). */
public final class TenantRoutes {
  private static final Set<String> TENANT_FIELDS = Set.of("name", "timezone", "currency");
  private static final Set<String> KEY_FIELDS = Set.of("name", "scopes");

  private final TenantRepository tenants;
  private final ApiKeyRepository keys;
  private final ApiKeyCache cache;
  private final EventBus eventBus;
  private final String operatorToken;

  public TenantRoutes(TenantRepository tenants, ApiKeyRepository keys, ApiKeyCache cache, EventBus eventBus,
                      String operatorToken) {
    this.tenants = tenants;
    this.keys = keys;
    this.cache = cache;
    this.eventBus = eventBus;
    this.operatorToken = operatorToken;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.post("/v1/tenants").handler(this::createTenant);
    router.post("/v1/api-keys").handler(auth.require(Scope.ADMIN)).handler(this::createKey);
    router.get("/v1/api-keys").handler(auth.require(Scope.ADMIN)).handler(this::listKeys);
    router.delete("/v1/api-keys/:keyId").handler(auth.require(Scope.ADMIN)).handler(this::revokeKey);
  }

  private void createTenant(RoutingContext ctx) {
    String presented = ApiKeyAuthenticator.bearerToken(ctx.request().getHeader("Authorization"));
    if (operatorToken.isEmpty() || presented == null || !ApiKeySecret.sameSecret(operatorToken, presented)) {
      Failures.send(ctx, 401, "unauthorized", "the platform operator token is required", null);
      return;
    }
    JsonInput in = JsonInput.of(ctx).allowOnly(TENANT_FIELDS);
    TenantDraft draft = new TenantDraft(in.requiredString("name", 1, 100), in.requiredString("timezone", 1, 64),
        in.requiredString("currency", 3, 3));
    ApiKeySecret adminKey = ApiKeySecret.generate();
    Responses.reply(ctx, 201, tenants.create(draft, adminKey).map(id -> new JsonObject()
        .put("tenantId", id.toString())
        .put("name", draft.name())
        .put("timezone", draft.timezone())
        .put("currency", draft.currency())
        .put("adminKey", adminKey.key())));
  }

  private void createKey(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    JsonInput in = JsonInput.of(ctx).allowOnly(KEY_FIELDS);
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (String s : in.requiredStringList("scopes", 1, 3, 16)) {
      scopes.add(Scope.parse("scopes", s));
    }
    ApiKeyDraft draft = new ApiKeyDraft(in.requiredString("name", 1, 100), scopes);
    ApiKeySecret secret = ApiKeySecret.generate();
    Responses.reply(ctx, 201, keys.create(caller.tenantId(), draft, secret).map(id -> new JsonObject()
        .put("id", id.toString())
        .put("name", draft.name())
        .put("key", secret.key())
        .put("scopes", new JsonArray(draft.scopes().stream().map(Scope::wireName).sorted().toList()))));
  }

  private void listKeys(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Responses.reply(ctx, 200, keys.list(caller.tenantId()).map(Paging::all));
  }

  private void revokeKey(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    UUID keyId = parseKeyId(ctx.pathParam("keyId"));
    if (keyId.equals(caller.keyId())) {
      throw Rejection.conflict("cannot_revoke_own_key", "a key cannot revoke itself; use another admin key", "keyId");
    }
    keys.revoke(caller.tenantId(), keyId)
        .compose(hash -> hash.isEmpty()
            ? Future.failedFuture(Rejection.notFound("api_key_not_found", "no API key " + keyId + " in this tenant"))
            : Future.succeededFuture(hash.get()))
        .onSuccess(hash -> {
          cache.invalidate(hash); // this node: before the reply, so the very next request is refused
          eventBus.publish(ApiKeyAuthenticator.REVOKED_ADDRESS, hash); // every other node
          Responses.noContent(ctx);
        })
        .onFailure(ctx::fail);
  }

  private static UUID parseKeyId(String raw) {
    try {
      return UUID.fromString(raw);
    } catch (IllegalArgumentException e) {
      throw Rejection.notFound("api_key_not_found", "no API key " + raw + " in this tenant");
    }
  }
}
