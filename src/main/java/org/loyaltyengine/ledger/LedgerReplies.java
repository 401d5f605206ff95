package org.loyaltyengine.ledger;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.platform.Rejection;

/**
 * Replies to an idempotent write: 201 with the result when it was created now, 200 with the stored result
 * when the same request was already done, 409 {@code idempotency_conflict} when the id was used for a
 * different request.
 */
public final class LedgerReplies {
  private LedgerReplies() {}

  public static Future<LedgerRepository.Outcome> checkReplay(LedgerRepository.Outcome outcome, String requestHash,
                                                             String idField) {
    if (!outcome.created() && !outcome.storedHash().equals(requestHash)) {
      return Future.failedFuture(new Rejection(Rejection.Kind.CONFLICT, "idempotency_conflict",
          idField + " was already used for a different request", idField));
    }
    return Future.succeededFuture(outcome);
  }

  public static void send(RoutingContext ctx, Future<LedgerRepository.Outcome> outcome) {
    outcome.onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      JsonObject result = ar.result().result();
      Responses.json(ctx, ar.result().created() ? 201 : 200, result);
    });
  }
}
