package org.loyaltyengine.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.producer.KafkaHeader;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.platform.Telemetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;

/**
 * The one way downstream consumers (analytics, webhooks) receive domain events. With Kafka
 * ({@code kafka.bootstrap} set) a consumer is a Kafka consumer group member on the events topic; without,
 * it listens on the event bus for the batches the relay hands to its group. Either way the consumer sees
 * batches in per-member order, at least once, one batch at a time ({@link EventConsumer#handle} is not
 * called again before the previous future completes), and a failed batch comes back after a backoff.
 */
public final class EventFeed {
  private static final Logger log = LoggerFactory.getLogger(EventFeed.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);

  private EventFeed() {
  }

  /** A live subscription; {@link #close} stops delivery to this consumer on this node. */
  public interface Subscription {
    String group();

    Future<Void> close();
  }

  /**
   * Starts delivering to {@code consumer}. Succeeds once it is listening; with Kafka, even while the
   * broker is unreachable (it catches up when the broker is back).
   */
  public static Future<Subscription> subscribe(Vertx vertx, AppConfig config, EventConsumer consumer) {
    String group = consumer.group();
    if (group == null || !group.matches("[A-Za-z0-9._-]{1,100}")) {
      return Future.failedFuture(new IllegalArgumentException(
          "consumer group must be 1-100 characters of [A-Za-z0-9._-] (got \"" + group + "\")"));
    }
    return config.kafka().enabled()
        ? new KafkaSubscription(vertx, config, consumer).start()
        : new BusSubscription(vertx, config, consumer).start();
  }

  /** Calls the consumer, turning a synchronous throw into a failed batch. */
  private static Future<Void> handle(EventConsumer consumer, List<DomainEvent> batch) {
    try {
      Future<Void> done = consumer.handle(batch);
      return done == null ? Future.failedFuture(new IllegalStateException("handle returned null")) : done;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Without Kafka: consumes {@code loyalty.events.<group>} and registers the group in PostgreSQL (and
   * refreshes it while subscribed) so the relay knows it owes the group every batch.
   */
  private static final class BusSubscription implements Subscription {
    private final Vertx vertx;
    private final AppConfig config;
    private final EventConsumer consumer;
    private final ConsumerGroupRepository groups = new ConsumerGroupRepository();
    private final Queue<Message<JsonArray>> waiting = new ArrayDeque<>();
    private Pool pool;
    private MessageConsumer<JsonArray> listener;
    private long heartbeat;
    private boolean busy;

    BusSubscription(Vertx vertx, AppConfig config, EventConsumer consumer) {
      this.vertx = vertx;
      this.config = config;
      this.consumer = consumer;
    }

    Future<Subscription> start() {
      pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setName("pg-feed-" + consumer.group()))
          .connectingTo(config.pg().primary()).using(vertx).build();
      listener = vertx.eventBus().consumer(EventBusPublisher.address(consumer.group()), this::arrived);
      // Refreshed well within the retention, so a live group never ages out.
      long every = Math.max(100, Math.min(10_000, config.relay().groupRetentionSeconds() * 1000 / 3));
      heartbeat = vertx.setPeriodic(every, id -> groups.seen(pool, consumer.group())
          .onFailure(err -> log.warn("event=feed_heartbeat_failed group={} error=\"{}\"", consumer.group(), err.getMessage())));
      return listener.completion()
          .compose(v -> groups.seen(pool, consumer.group()))
          .onSuccess(v -> log.info("event=feed_subscribed group={} via=bus", consumer.group()))
          .<Subscription>map(v -> this)
          .onFailure(err -> close());
    }

    /** Batches from different relay partitions may arrive together; the consumer gets them one at a time. */
    private void arrived(Message<JsonArray> message) {
      waiting.add(message);
      next();
    }

    private void next() {
      if (busy || waiting.isEmpty()) {
        return;
      }
      Message<JsonArray> message = waiting.poll();
      List<DomainEvent> batch = new ArrayList<>(message.body().size());
      try {
        for (Object o : message.body()) {
          batch.add(DomainEventJson.fromJson((JsonObject) o));
        }
      } catch (RuntimeException e) {
        message.fail(400, "not a batch of events: " + e.getMessage());
        next();
        return;
      }
      busy = true;
      handle(consumer, batch).onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(batch.size());
        } else {
          log.warn("event=feed_batch_failed group={} events={} error=\"{}\"", consumer.group(), batch.size(),
              String.valueOf(ar.cause().getMessage()));
          message.fail(500, String.valueOf(ar.cause().getMessage()));
        }
        busy = false;
        next();
      });
    }

    @Override
    public String group() {
      return consumer.group();
    }

    /** Stops listening; the group stays registered (its events wait) until it ages out of the retention. */
    @Override
    public Future<Void> close() {
      vertx.cancelTimer(heartbeat);
      waiting.forEach(m -> m.fail(503, "consumer " + consumer.group() + " unsubscribed"));
      waiting.clear();
      Future<Void> unregistered = listener == null ? Future.succeededFuture() : listener.unregister();
      return unregistered.eventually(() -> pool.close());
    }
  }

  /**
   * With Kafka: a consumer group member on the events topic, auto commit off. Polls a batch, hands it to
   * the consumer, commits the offsets after the batch succeeded; on failure seeks back to the batch's
   * first offsets and polls again after a backoff, so the same batch is delivered again.
   */
  private static final class KafkaSubscription implements Subscription {
    private final Vertx vertx;
    private final AppConfig config;
    private final EventConsumer consumer;
    private final String clientId;
    private KafkaConsumer<String, String> kafka;
    private int failuresInRow;
    private boolean closed;

    KafkaSubscription(Vertx vertx, AppConfig config, EventConsumer consumer) {
      this.vertx = vertx;
      this.config = config;
      this.consumer = consumer;
      this.clientId = "loyalty-feed-" + consumer.group() + "-" + UUID.randomUUID();
    }

    Future<Subscription> start() {
      ensureTopic(0);
      // Built off the event loop: the client's constructor loads classes and resolves addresses.
      return vertx.executeBlocking(() -> KafkaConsumer.<String, String>create(vertx,
              KafkaSettings.consumer(config.kafka(), consumer.group(), clientId, config.relay().batchSize())))
          .compose(created -> {
            kafka = created;
            return kafka.subscribe(config.kafka().topic());
          })
          .onSuccess(v -> {
            log.info("event=feed_subscribed group={} via=kafka topic={}", consumer.group(), config.kafka().topic());
            poll();
          })
          .<Subscription>map(v -> this);
    }

    /**
     * The relay creates the topic before its first publish; the feed does too, so a consumer that starts
     * first does not wait for it. Retried in the background while the broker is away.
     */
    private void ensureTopic(int attempt) {
      vertx.executeBlocking(() -> KafkaAdminClient.create(vertx, KafkaSettings.admin(config.kafka(), clientId + "-admin")))
          .compose(admin -> KafkaTopicClient.ensure(admin, config.kafka()).eventually(admin::close)).onFailure(err -> {
        if (!closed) {
          vertx.setTimer(OutboxPartitions.backoffMs(attempt + 1, 500, 10_000), id -> ensureTopic(attempt + 1));
        }
      });
    }

    private void poll() {
      if (closed) {
        return;
      }
      kafka.poll(POLL_TIMEOUT)
          .compose(records -> records.isEmpty() ? Future.succeededFuture() : deliver(records))
          .onComplete(ar -> {
            if (closed) {
              return;
            }
            if (ar.succeeded()) {
              failuresInRow = 0;
              poll();
            } else {
              int n = ++failuresInRow;
              long wait = OutboxPartitions.backoffMs(n, config.relay().pollMs(), config.relay().backoffCapMs());
              if (n == 1 || n % 20 == 0) {
                log.warn("event=feed_batch_failed group={} failuresInRow={} retryInMs={} error=\"{}\"",
                    consumer.group(), n, wait, String.valueOf(ar.cause().getMessage()));
              }
              vertx.setTimer(wait, id -> poll());
            }
          });
    }

    private Future<Void> deliver(KafkaConsumerRecords<String, String> records) {
      List<DomainEvent> batch = new ArrayList<>(records.size());
      Map<TopicPartition, Long> first = new LinkedHashMap<>();
      Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
      for (int i = 0; i < records.size(); i++) {
        KafkaConsumerRecord<String, String> r = records.recordAt(i);
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        first.putIfAbsent(tp, r.offset());
        next.put(tp, new OffsetAndMetadata(r.offset() + 1, null));
        try {
          batch.add(DomainEventJson.decode(r.value()).withTraceparent(traceparent(r)));
        } catch (RuntimeException e) {
          // Not an event the relay wrote; it can never succeed, so it is skipped rather than retried forever.
          log.error("event=feed_record_skipped group={} partition={} offset={} error=\"{}\"", consumer.group(),
              r.partition(), r.offset(), e.getMessage());
        }
      }
      Future<Void> handled = batch.isEmpty() ? Future.succeededFuture()
          : Telemetry.inTrace(vertx, sharedTraceparent(batch), () -> handle(consumer, batch));
      return handled.compose(v -> kafka.commit(next).<Void>mapEmpty())
          .recover(err -> seekBack(first).transform(ignored -> Future.failedFuture(err)));
    }

    /** The trace the relay's send put on the record (the {@code traceparent} header), or null. */
    private static String traceparent(KafkaConsumerRecord<String, String> r) {
      for (KafkaHeader h : r.headers()) {
        if ("traceparent".equals(h.key()) && h.value() != null) {
          return h.value().toString();
        }
      }
      return null;
    }

    /**
     * The trace the consumer's work joins: the one trace all traced events of the batch belong to; null when
     * they come from several (a batch's queries serve them all, so no single trace owns them) or from none.
     */
    private static String sharedTraceparent(List<DomainEvent> batch) {
      String shared = null;
      for (DomainEvent e : batch) {
        if (e.traceparent() != null) {
          if (shared != null && !shared.equals(e.traceparent())) {
            return null;
          }
          shared = e.traceparent();
        }
      }
      return shared;
    }

    /** Rewinds to the batch's first offsets, so the next poll returns the same records. */
    private Future<Void> seekBack(Map<TopicPartition, Long> first) {
      List<Future<Void>> seeks = new ArrayList<>();
      first.forEach((tp, offset) -> seeks.add(kafka.seek(tp, offset)));
      return Future.join(seeks).mapEmpty();
    }

    @Override
    public String group() {
      return consumer.group();
    }

    @Override
    public Future<Void> close() {
      closed = true;
      return kafka == null ? Future.succeededFuture() : kafka.close();
    }
  }
}
