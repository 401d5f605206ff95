package org.loyaltyengine.http;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import org.loyaltyengine.platform.Rejection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * The one mapper from failures to the error shape {@code {"error": {"code", "message", "field"}}}.
 * Rejections keep their code; infrastructure failures become 503 (never "not found"); anything else is a
 * bug, logged with the request id, and answered 500 without internals.
 */
public final class Failures implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(Failures.class);

  public static JsonObject body(String code, String message, String field) {
    return new JsonObject().put("error",
        new JsonObject().put("code", code).put("message", message).put("field", field));
  }

  public static void send(RoutingContext ctx, int status, String code, String message, String field) {
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    Responses.json(ctx, status, body(code, message, field));
  }

  @Override
  public void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof Rejection r) {
      send(ctx, r.kind().status, r.code(), r.getMessage(), r.field());
      return;
    }
    if (failure == null) {
      byStatus(ctx, ctx.statusCode());
      return;
    }
    if (isOverload(failure)) {
      // Shedding load is the point: an answer at once, no stack trace per request (there may be thousands).
      log.debug("requestId={} event=overloaded error=\"{}\"", RequestIds.of(ctx), failure.toString());
      ctx.response().putHeader("Retry-After", "1");
      send(ctx, 503, "overloaded", "the server is at capacity; retry after a second", null);
      return;
    }
    if (isUnavailable(failure)) {
      log.warn("requestId={} event=dependency_unavailable error=\"{}\"", RequestIds.of(ctx), failure.toString());
      send(ctx, 503, "service_unavailable", "a backing service is unavailable; retry later", null);
      return;
    }
    if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) { // e.g. BodyHandler's 413, a path Vert.x cannot decode
      byStatus(ctx, ctx.statusCode());
      return;
    }
    if (failure instanceof io.vertx.ext.web.handler.HttpException http && http.getStatusCode() >= 400
        && http.getStatusCode() < 500) { // e.g. "Error while decoding query params"
      byStatus(ctx, http.getStatusCode());
      return;
    }
    log.error("requestId={} event=unhandled_failure method={} path=\"{}\"", RequestIds.of(ctx),
        ctx.request().method(), ctx.request().path(), failure);
    send(ctx, 500, "internal_error", "an unexpected error occurred; request id " + RequestIds.of(ctx), null);
  }

  static void byStatus(RoutingContext ctx, int status) {
    switch (status) {
      case 400 -> send(ctx, 400, "bad_request", "the request could not be read", null);
      case 401 -> send(ctx, 401, "unauthorized", "a valid API key is required", null);
      case 403 -> send(ctx, 403, "forbidden", "the API key's scopes do not allow this", null);
      case 404 -> send(ctx, 404, "not_found", "no such route: " + ctx.request().path(), null);
      case 405 -> send(ctx, 405, "method_not_allowed", ctx.request().method() + " is not allowed on " + ctx.request().path(), null);
      case 413 -> send(ctx, 413, "payload_too_large", "the request body is too large", null);
      case 415 -> send(ctx, 415, "unsupported_media_type", "the request body must be application/json", null);
      case 503 -> send(ctx, 503, "service_unavailable", "a backing service is unavailable; retry later", null);
      default -> send(ctx, status >= 400 && status < 600 ? status : 500, "http_" + status, "request failed", null);
    }
  }

  /** A connection pool's wait queue (or another bounded queue) is full: this node has more work than it can serve. */
  static boolean isOverload(Throwable t) {
    return anyCause(t, c -> c instanceof io.vertx.core.http.ConnectionPoolTooBusyException
        || c instanceof org.loyaltyengine.platform.Overloaded
        || c instanceof org.loyaltyengine.platform.InFlightLimit.QueueFull);
  }

  /** Connection trouble, time-outs and PostgreSQL's connection/resource classes are worth a retry. */
  static boolean isUnavailable(Throwable t) {
    return anyCause(t, c -> {
      if (c instanceof io.vertx.core.eventbus.ReplyException re) {
        return re.failureType() != io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE; // no worker answered in time
      }
      if (c instanceof PgException pg) {
        String state = pg.getSqlState();
        return state != null && (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P"));
      }
      return c instanceof IOException || c instanceof TimeoutException
          || c.getClass().getName().startsWith("io.netty.channel")
          || c.getClass().getSimpleName().contains("Timeout")
          || c.getClass().getSimpleName().equals("ClosedConnectionException");
    });
  }

  /** Whether {@code t} or any of its causes matches. */
  private static boolean anyCause(Throwable t, java.util.function.Predicate<Throwable> matches) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (matches.test(c)) {
        return true;
      }
    }
    return false;
  }
}
