package org.loyaltyengine.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;

/**
 * The {@code outbox} part of {@code /health/ready}: asks this node's relay (its last lag figures and
 * whether Kafka answers); on a node that runs no relay, reads the lag from PostgreSQL itself. Never fails:
 * outbox lag degrades readiness but does not fail it, since writes go on regardless.
 */
public final class OutboxStatusClient {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(1_000);

  private final Vertx vertx;
  private final SqlClient pool;
  private final long degradedSeconds;
  private final OutboxRepository outbox = new OutboxRepository();

  public OutboxStatusClient(Vertx vertx, SqlClient pool, long degradedSeconds) {
    this.vertx = vertx;
    this.pool = pool;
    this.degradedSeconds = degradedSeconds;
  }

  public Future<JsonObject> status() {
    return vertx.eventBus().<JsonObject>request(OutboxRelayVerticle.STATUS_ADDRESS, null, LOCAL)
        .map(Message::body)
        .recover(noRelay -> outbox.lag(pool)
            .map(lag -> statusJson(lag, lag.olderThan(degradedSeconds)).put("relay", "not on this node")))
        .recover(err -> Future.succeededFuture(new JsonObject().put("degraded", true)
            .put("error", String.valueOf(err.getMessage()))));
  }

  static JsonObject statusJson(OutboxLag lag, boolean degraded) {
    return new JsonObject().put("degraded", degraded).put("unpublishedRows", lag.unpublishedRows())
        .put("oldestUnpublishedAgeSeconds", lag.oldestAgeSeconds());
  }
}
