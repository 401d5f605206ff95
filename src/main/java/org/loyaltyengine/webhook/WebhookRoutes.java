package org.loyaltyengine.webhook;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.http.RequestHash;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.platform.TargetLookup;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import java.util.Set;
import java.util.UUID;

/**
 * {@code /v1/webhooks} (admin): subscribe a URL to event types, list, show, delete (deactivate: pending
 * deliveries stop), and read a subscription's delivery log.
 */
public final class WebhookRoutes {
  private static final Set<String> FIELDS = Set.of("url", "eventTypes", "description");
  private static final Set<String> STATUSES = Set.of("pending", "delivered", "failed");
  private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 100;

  private final WebhookRepository webhooks;
  private final TargetLookup targets;

  public WebhookRoutes(WebhookRepository webhooks, TargetLookup targets) {
    this.webhooks = webhooks;
    this.targets = targets;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.post("/v1/webhooks").handler(auth.require(Scope.ADMIN)).handler(this::create);
    router.get("/v1/webhooks").handler(auth.require(Scope.ADMIN)).handler(this::list);
    router.get("/v1/webhooks/:webhookId").handler(auth.require(Scope.ADMIN)).handler(this::show);
    router.delete("/v1/webhooks/:webhookId").handler(auth.require(Scope.ADMIN)).handler(this::delete);
    router.get("/v1/webhooks/:webhookId/deliveries").handler(auth.require(Scope.ADMIN)).handler(this::deliveries);
  }

  private void create(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String key = idempotencyKey(ctx.request().getHeader(IDEMPOTENCY_KEY));
    JsonInput in = JsonInput.of(ctx).allowOnly(FIELDS);
    WebhookDraft draft = new WebhookDraft(in.requiredString("url", 1, WebhookDraft.MAX_URL_LENGTH),
        in.requiredStringList("eventTypes", 1, WebhookEventTypes.KNOWN.size(), 64),
        in.optionalString("description", 0, WebhookDraft.MAX_DESCRIPTION_LENGTH).orElse(null));
    String hash = RequestHash.of(new JsonObject().put("url", draft.url())
        .put("eventTypes", new JsonArray(draft.eventTypes())).put("description", draft.description()));
    targets.checkConfigured(draft.url(), reason -> new Rejection(Rejection.Kind.UNPROCESSABLE,
            "webhook_target_forbidden", "url: " + reason, "url"))
        .compose(ok -> webhooks.create(caller.tenantId(), draft, SigningSecret.generate(), key, hash))
        .onSuccess(c -> Responses.json(ctx, c.replayed() ? 200 : 201, WebhookJson.created(c)))
        .onFailure(ctx::fail);
  }

  private static String idempotencyKey(String raw) {
    if (raw == null) {
      return null;
    }
    if (raw.isEmpty() || raw.length() > MAX_IDEMPOTENCY_KEY_LENGTH || !raw.chars().allMatch(c -> c > 32 && c < 127)) {
      throw Rejection.invalid(IDEMPOTENCY_KEY, IDEMPOTENCY_KEY + " must be 1-" + MAX_IDEMPOTENCY_KEY_LENGTH
          + " printable ASCII characters without spaces");
    }
    return raw;
  }

  private void list(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    Responses.reply(ctx, 200, webhooks.listActive(caller.tenantId()).map(items -> {
      JsonArray out = new JsonArray();
      items.forEach(w -> out.add(WebhookJson.webhook(w)));
      return Paging.all(out);
    }));
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    UUID id = webhookId(ctx);
    Responses.reply(ctx, 200, existing(caller.tenantId(), id).map(WebhookJson::webhook));
  }

  private void delete(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    UUID id = webhookId(ctx);
    // deleting a deleted webhook again is a success: the client's retry of a lost reply
    webhooks.deactivate(caller.tenantId(), id)
        .compose(found -> found ? Future.succeededFuture() : Future.failedFuture(notFound(id)))
        .onSuccess(v -> Responses.noContent(ctx))
        .onFailure(ctx::fail);
  }

  private void deliveries(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    UUID id = webhookId(ctx);
    int limit = Paging.limit(ctx.queryParams().get("limit"));
    String cursorText = ctx.queryParams().get("cursor");
    DeliveryCursor after = cursorText == null || cursorText.isEmpty() ? null : DeliveryCursor.decode(cursorText);
    String status = ctx.queryParams().get("status");
    if (status != null && status.isEmpty()) {
      status = null;
    }
    if (status != null && !STATUSES.contains(status)) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_query", "status must be pending, delivered or failed", "status");
    }
    String filter = status;
    Responses.reply(ctx, 200, existing(caller.tenantId(), id)
        .compose(w -> webhooks.deliveries(caller.tenantId(), id, filter, after, limit))
        .map(WebhookJson::page));
  }

  private Future<Webhook> existing(UUID tenantId, UUID id) {
    return webhooks.find(tenantId, id).compose(w -> w.map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(notFound(id))));
  }

  /** Another tenant's webhook and a malformed id read exactly like a missing one. */
  private static UUID webhookId(RoutingContext ctx) {
    String raw = ctx.pathParam("webhookId");
    try {
      return UUID.fromString(raw);
    } catch (IllegalArgumentException e) {
      throw Rejection.notFound("webhook_not_found", "no webhook " + raw + " in this tenant");
    }
  }

  private static Rejection notFound(UUID id) {
    return Rejection.notFound("webhook_not_found", "no webhook " + id + " in this tenant");
  }
}
