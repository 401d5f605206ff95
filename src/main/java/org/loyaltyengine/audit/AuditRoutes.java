package org.loyaltyengine.audit;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * The audit trail: every successful mutating call made with an admin key is recorded (method, path, status,
 * key, request id, and what changed: {@code before} when the route knows it, {@code after} = the answer's
 * body, secrets removed) before its answer is written, so an entry exists once the caller has the answer and
 * entries are numbered in the order the changes were answered. {@code GET /v1/audit-log} (admin) lists them
 * newest first, with the key's name, as {@code {"items", "nextCursor"}}. The change itself is already
 * committed: a failed audit write is logged ({@code event=audit_write_failed}) and the answer still sent.
 */
public final class AuditRoutes {
  private static final Logger log = LoggerFactory.getLogger(AuditRoutes.class);
  private static final Set<HttpMethod> MUTATING = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);
  private static final String BEFORE = "auditBefore";
  /** Fields whose values are secrets shown once (keys, signing secrets): never stored in the trail. */
  private static final Set<String> SECRET_FIELDS = Set.of("key", "adminKey", "secret", "apiKey");
  /** A larger before/after is stored as a note of its size, which bounds each audit row. */
  static final int MAX_STATE_BYTES = 256 * 1024;

  private final AuditLogRepository audit;

  public AuditRoutes(AuditLogRepository audit) {
    this.audit = audit;
  }

  /**
   * Lets a route give the state it is about to change, recorded as the entry's {@code before} (secrets
   * removed) if the change succeeds.
   */
  public static void before(RoutingContext ctx, JsonObject state) {
    ctx.put(BEFORE, state);
  }

  /** Mount before the API routes: it registers the step that writes the entry, then passes the request on. */
  public void mountTrail(Router router) {
    router.route().handler(ctx -> {
      if (MUTATING.contains(ctx.request().method())) {
        ctx.put(Responses.BEFORE_ANSWER, (Responses.BeforeAnswer) (status, body) -> recordIfAdmin(ctx, status, body));
      }
      ctx.next();
    });
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.get("/v1/audit-log").handler(auth.require(Scope.ADMIN)).handler(this::list);
  }

  private Future<Void> recordIfAdmin(RoutingContext ctx, int status, Buffer body) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    if (caller == null || !caller.scopes().contains(Scope.ADMIN)) {
      return Future.succeededFuture();
    }
    JsonObject before = ctx.get(BEFORE);
    return audit.record(caller.tenantId(), caller.keyId(), ctx.request().method().name(), ctx.request().path(), status,
            ctx.get("requestId"), bounded(before), bounded(after(body)))
        .onFailure(e -> log.warn("event=audit_write_failed method={} path={} error=\"{}\"",
            ctx.request().method(), ctx.request().path(), e.toString()));
  }

  /** The answer's body as the state after the change; null for 204 or a body that is not a JSON object. */
  private static JsonObject after(Buffer body) {
    if (body == null || body.length() == 0 || body.getByte(0) != '{') {
      return null;
    }
    try {
      return body.toJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** {@code state} without secret values, or a note of its size when it is too large to keep. */
  static JsonObject bounded(JsonObject state) {
    if (state == null) {
      return null;
    }
    JsonObject clean = (JsonObject) redact(state.copy());
    int bytes = clean.toBuffer().length();
    return bytes <= MAX_STATE_BYTES ? clean : new JsonObject().put("omitted", "too large to keep").put("bytes", bytes);
  }

  private static Object redact(Object value) {
    if (value instanceof JsonObject o) {
      for (String f : Set.copyOf(o.fieldNames())) {
        if (SECRET_FIELDS.contains(f) && o.getValue(f) != null) {
          o.put(f, "***");
        } else {
          o.put(f, redact(o.getValue(f)));
        }
      }
      return o;
    }
    if (value instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        a.set(i, redact(a.getValue(i)));
      }
      return a;
    }
    return value;
  }

  private void list(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int limit = Paging.limit(ctx.queryParams().get("limit"));
    long before = decodeCursor(ctx.queryParams().get("cursor"));
    Responses.reply(ctx, 200, audit.page(caller.tenantId(), before, limit).map(page ->
        Paging.page(page.items(), page.nextBefore() == null ? null : encodeCursor(page.nextBefore()))));
  }

  static String encodeCursor(long entryId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("a" + entryId).getBytes(StandardCharsets.US_ASCII));
  }

  /** The id the page starts below; no cursor is the newest entry. */
  static long decodeCursor(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return Long.MAX_VALUE;
    }
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
      if (raw.startsWith("a")) {
        return Long.parseLong(raw.substring(1));
      }
    } catch (IllegalArgumentException ignored) {
      // falls through to the rejection (NumberFormatException is one too)
    }
    throw new Rejection(Rejection.Kind.INVALID, "invalid_cursor", "cursor is not one this API returned", "cursor");
  }
}
