package org.loyaltyengine.analytics;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.loyaltyengine.events.EventFeed;
import org.loyaltyengine.platform.AppConfig;

/**
 * Subscribes the analytics consumer (group "analytics") to the event feed: a Kafka consumer group, or the
 * relay's in-process delivery without Kafka. Owns the consumer and its small pool on the primary. One batch is one transaction, so two
 * connections are enough: one committing a batch while the next one's time zones are looked up.
 */
public final class AnalyticsVerticle extends VerticleBase {
  private static final int POOL_SIZE = 2;

  private final AppConfig config;
  private Pool pool;
  private AnalyticsConsumer consumer;
  private EventFeed.Subscription subscription;

  public AnalyticsVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(POOL_SIZE).setName("pg-analytics"))
        .connectingTo(config.pg().primary()).using(vertx).build();
    consumer = new AnalyticsConsumer(pool);
    return EventFeed.subscribe(vertx, config, consumer).onSuccess(s -> subscription = s);
  }

  /** The consumer to subscribe to the event feed; available once the verticle has started. */
  public AnalyticsConsumer consumer() {
    return consumer;
  }

  @Override
  public Future<?> stop() {
    Future<Void> unsubscribed = subscription == null ? Future.succeededFuture() : subscription.close();
    return unsubscribed.eventually(() -> pool.close());
  }
}
