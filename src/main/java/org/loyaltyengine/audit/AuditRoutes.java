package org.loyaltyengine.audit;

import io.vertx.core.http.HttpMethod;
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
 * The audit trail: every successful mutating call made with an admin key is recorded once its answer has
 * been sent (method, path, status, key, request id), and {@code GET /v1/audit-log} (admin) lists them,
 * newest first, as {@code {"items", "nextCursor"}}. Recording after the answer keeps the trail off the request's latency; a node that dies in
 * between loses that entry, which the log line {@code event=audit_write_failed} also reports when the
 * write itself fails.
 */
public final class AuditRoutes {
  private static final Logger log = LoggerFactory.getLogger(AuditRoutes.class);
  private static final Set<HttpMethod> MUTATING = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);

  private final AuditLogRepository audit;

  public AuditRoutes(AuditLogRepository audit) {
    this.audit = audit;
  }

  /** Mount before the API routes: it only registers an end handler, then passes the request on. */
  public void mountTrail(Router router) {
    router.route().handler(ctx -> {
      if (MUTATING.contains(ctx.request().method())) {
        ctx.addEndHandler(v -> recordIfAdmin(ctx));
      }
      ctx.next();
    });
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.get("/v1/audit-log").handler(auth.require(Scope.ADMIN)).handler(this::list);
  }

  private void recordIfAdmin(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int status = ctx.response().getStatusCode();
    if (caller == null || !caller.scopes().contains(Scope.ADMIN) || status >= 400) {
      return;
    }
    audit.record(caller.tenantId(), caller.keyId(), ctx.request().method().name(), ctx.request().path(), status,
            ctx.get("requestId"))
        .onFailure(e -> log.warn("event=audit_write_failed method={} path={} error=\"{}\"",
            ctx.request().method(), ctx.request().path(), e.toString()));
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
