package org.loyaltyengine.ingest;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.member.MemberRules;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import java.time.Clock;
import java.util.UUID;

/**
 * Asynchronous ingestion: {@code POST /v1/event-batches} validates a batch of purchases and custom events,
 * stores it in the inbox in one transaction and answers 202; {@code GET /v1/event-batches/{batchId}} reports
 * its progress and the items that failed.
 */
public final class EventBatchRoutes {
  private final InboxRepository inbox;
  private final int partitions;
  private final Clock clock;

  public EventBatchRoutes(InboxRepository inbox, int partitions, Clock clock) {
    this.inbox = inbox;
    this.partitions = partitions;
    this.clock = clock;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.post("/v1/event-batches").handler(auth.require(Scope.POS)).handler(this::accept);
    router.get("/v1/event-batches/:batchId").handler(auth.require(Scope.READ, Scope.POS)).handler(this::show);
  }

  private void accept(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    JsonInput body = JsonInput.ofBulk(ctx);
    EventBatchJson.BatchRequest batch = EventBatchJson.parse(body, clock.instant());
    // Without a batchId the client cannot retry the batch as such; its items stay idempotent by their own ids.
    String batchId = batch.batchId() != null ? batch.batchId() : "b-" + UUID.randomUUID();
    inbox.accept(caller.tenantId(), batchId, batch, ctx.body().asString(), partitions).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (!ar.result().storedHash().equals(batch.requestHash())) {
        ctx.fail(Rejection.conflict("idempotency_conflict", "batchId was already used for a different batch",
            "batchId"));
      } else {
        ctx.response().putHeader("Location", EventBatchJson.statusPath(batchId));
        Responses.json(ctx, 202, EventBatchJson.accepted(batchId, ar.result().items()));
      }
    });
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String batchId = ctx.pathParam("batchId");
    if (!MemberRules.isPlausibleExternalId(batchId)) {
      ctx.fail(notFound(batchId));
      return;
    }
    inbox.progress(caller.tenantId(), batchId).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result().isEmpty()) {
        ctx.fail(notFound(batchId));
      } else {
        Responses.json(ctx, 200, EventBatchJson.progress(ar.result().get()));
      }
    });
  }

  private static Rejection notFound(String batchId) {
    return Rejection.notFound("batch_not_found", "no event batch \"" + batchId + "\"");
  }
}
