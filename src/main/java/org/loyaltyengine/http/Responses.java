package org.loyaltyengine.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes JSON replies; the one place that sets the content type, and the one place a successful answer
 * passes through, so a step registered under {@link #BEFORE_ANSWER} (the audit trail) runs before the
 * client can see the answer.
 */
public final class Responses {
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  /** Context key of a {@link BeforeAnswer} step, run once before a 2xx answer of this request is written. */
  public static final String BEFORE_ANSWER = "beforeAnswer";

  /** Runs before a successful answer is written; the answer waits for its future (which must not fail). */
  @FunctionalInterface
  public interface BeforeAnswer {
    Future<Void> run(int status, io.vertx.core.buffer.Buffer body);
  }

  private Responses() {}

  public static void json(RoutingContext ctx, int status, JsonObject body) {
    json(ctx, status, body.toBuffer());
  }

  /** {@code bytes[offset, offset + length)} as a body, without copying them (they must not change). */
  public static io.vertx.core.buffer.Buffer bytes(byte[] bytes, int offset, int length) {
    return io.vertx.core.internal.buffer.BufferInternal.buffer(io.netty.buffer.Unpooled.wrappedBuffer(bytes, offset, length));
  }

  /** A body already rendered as JSON. */
  public static void json(RoutingContext ctx, int status, io.vertx.core.buffer.Buffer body) {
    if (ctx.get(BEFORE_ANSWER) == null) { // most answers (every read): no step to wait for
      ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
      return;
    }
    beforeAnswer(ctx, status, body).onComplete(v ->
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body));
  }

  private static Future<Void> beforeAnswer(RoutingContext ctx, int status, io.vertx.core.buffer.Buffer body) {
    BeforeAnswer step = ctx.get(BEFORE_ANSWER);
    if (step == null || status < 200 || status >= 300) {
      return Future.succeededFuture();
    }
    ctx.remove(BEFORE_ANSWER);
    return step.run(status, body).otherwiseEmpty();
  }

  /** Replies with the result of {@code result}, or routes its failure to the error mapper. */
  public static void reply(RoutingContext ctx, int status, Future<JsonObject> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        json(ctx, status, ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  public static void noContent(RoutingContext ctx) {
    beforeAnswer(ctx, 204, null).onComplete(v -> ctx.response().setStatusCode(204).end());
  }
}
