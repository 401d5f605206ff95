package org.loyaltyengine.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.SqlClient;

import java.util.ArrayList;
import java.util.List;

/**
 * Without Kafka: hands each batch to every active consumer group (see {@link ConsumerGroupRepository}) by
 * request/reply on {@code loyalty.events.<group>}, and succeeds when every group has answered. A group
 * with no consumer listening right now (its node restarting) fails the batch, which waits and is sent
 * again; so does a group that fails or does not answer within {@code relay.deliveryTimeoutMs}. Groups that
 * took it get it again then: consumers are idempotent by event id.
 */
public final class EventBusPublisher implements EventPublisher {
  private final Vertx vertx;
  private final SqlClient pool;
  private final ConsumerGroupRepository groups = new ConsumerGroupRepository();
  private final long retentionSeconds;
  private final DeliveryOptions delivery;

  public EventBusPublisher(Vertx vertx, SqlClient pool, long retentionSeconds, long deliveryTimeoutMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.retentionSeconds = retentionSeconds;
    this.delivery = new DeliveryOptions().setSendTimeout(deliveryTimeoutMs);
  }

  /** The address a group's consumers listen on. */
  public static String address(String group) {
    return "loyalty.events." + group;
  }

  @Override
  public Future<Void> publish(List<DomainEvent> batch) {
    return groups.active(pool, retentionSeconds).compose(names -> {
      if (names.isEmpty()) {
        return Future.succeededFuture(); // nobody subscribed: nothing is owed to anyone
      }
      JsonArray body = new JsonArray(new ArrayList<>(batch.size()));
      batch.forEach(e -> body.add(DomainEventJson.toJson(e)));
      List<Future<?>> replies = new ArrayList<>(names.size());
      for (String group : names) {
        replies.add(vertx.eventBus().request(address(group), body, delivery)
            .recover(err -> Future.failedFuture(new IllegalStateException("group " + group + ": " + err.getMessage(), err))));
      }
      return Future.join(replies).mapEmpty(); // join: every group settles before a retry can resend
    });
  }

  @Override
  public String sink() {
    return "bus";
  }

  @Override
  public Boolean reachable() {
    return null;
  }

  @Override
  public Future<Void> probe() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
