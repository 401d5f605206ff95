package org.loyaltyengine.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.loyaltyengine.platform.AdvisoryLease;
import org.loyaltyengine.platform.AppConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes the outbox: to Kafka when {@code kafka.bootstrap} is set, else to the consumer groups over the
 * event bus. The outbox is split into {@code relay.partitions} work partitions (member id mod N); each has
 * an advisory lease {@code outbox.relay.<p>}, so exactly one node in the whole deployment works it. While
 * this node holds a partition it loops: read the partition's unpublished rows in id order on the lease's
 * own connection, publish them, wait until all are acknowledged, mark them published on that connection.
 *
 * <p>Why a member's events stay in order: the transactions that write a member's outbox rows lock that
 * member's rows, so the member's ids grow in commit order; the one owner of the member's partition sends
 * them in id order and never sends the next batch before the last one is acknowledged. A crash between
 * publish and mark re-sends the batch (at least once): a re-sent run repeats a prefix, so the order of
 * first occurrences is kept. A failed publish (Kafka down, a group not answering) leaves the rows
 * unpublished; the partition backs off (doubling from {@code relay.pollMs} to {@code relay.backoffCapMs})
 * and tries again, so the outbox simply grows while writes go on, and drains when the sink is back.
 */
public final class OutboxRelayVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(OutboxRelayVerticle.class);
  /** Node-local: the relay's lag and sink state, for this node's readiness check. */
  public static final String STATUS_ADDRESS = "loyalty.outbox.status";
  private static final long LAG_REFRESH_MS = 2_000;

  private final AppConfig config;
  private final MeterRegistry registry;
  private final OutboxRepository outbox = new OutboxRepository();
  private final AtomicLong unpublishedRows = new AtomicLong();
  private final AtomicLong oldestAgeSeconds = new AtomicLong();
  private final AtomicLong partitionsHeld = new AtomicLong();
  private final List<AdvisoryLease> leases = new ArrayList<>();
  private Pool pool;
  private EventPublisher publisher;
  private MessageConsumer<Object> status;
  private Counter published;
  private Counter failures;
  private boolean[] busy;
  private int[] failuresInRow;
  private long[] notBeforeNanos;
  private boolean refreshing;
  private boolean stopped;

  public OutboxRelayVerticle(AppConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    AppConfig.Relay relay = config.relay();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setName("pg-relay"))
        .connectingTo(config.pg().primary()).using(vertx).build();
    Future<EventPublisher> sink = config.kafka().enabled()
        ? KafkaEventPublisher.create(vertx, config.kafka(), "loyalty-relay-" + UUID.randomUUID())
        : Future.succeededFuture(new EventBusPublisher(vertx, pool, relay.groupRetentionSeconds(), relay.deliveryTimeoutMs()));
    return sink.compose(made -> {
      publisher = made;
      return begin();
    });
  }

  private Future<?> begin() {
    AppConfig.Relay relay = config.relay();
    int partitions = relay.partitions();
    busy = new boolean[partitions];
    failuresInRow = new int[partitions];
    notBeforeNanos = new long[partitions];
    for (int p = 0; p < partitions; p++) {
      leases.add(AdvisoryLease.compete(vertx, config.pg().primary(), OutboxPartitions.leaseName(p), relay.leaseRetryMs()));
    }
    Gauge.builder("loyalty_outbox_unpublished_rows", unpublishedRows, AtomicLong::get)
        .description("Outbox rows not yet published (to Kafka, or to every consumer group without Kafka)").register(registry);
    Gauge.builder("loyalty_outbox_oldest_unpublished_age_seconds", oldestAgeSeconds, AtomicLong::get)
        .description("Age of the oldest unpublished outbox row").register(registry);
    Gauge.builder("loyalty_outbox_relay_partitions_held", partitionsHeld, AtomicLong::get)
        .description("Outbox relay partitions this node owns").register(registry);
    published = Counter.builder("loyalty_outbox_published_total").tag("sink", publisher.sink())
        .description("Outbox rows published and marked").register(registry);
    failures = Counter.builder("loyalty_outbox_publish_failures_total").tag("sink", publisher.sink())
        .description("Batches whose publish failed and will be sent again").register(registry);
    vertx.setPeriodic(relay.pollMs(), id -> {
      for (int p = 0; p < partitions; p++) {
        relay(p);
      }
    });
    vertx.setPeriodic(LAG_REFRESH_MS, id -> refresh());
    status = vertx.eventBus().localConsumer(STATUS_ADDRESS, msg -> msg.reply(status()));
    refresh();
    log.info("event=relay_started sink={} partitions={} topic={}", publisher.sink(), partitions,
        config.kafka().enabled() ? config.kafka().topic() : "-");
    return status.completion();
  }

  /** One batch of partition {@code p}, if this node owns it and it is not already busy or backing off. */
  private void relay(int p) {
    AdvisoryLease lease = leases.get(p);
    if (stopped || busy[p] || !lease.held() || System.nanoTime() - notBeforeNanos[p] < 0) {
      return;
    }
    busy[p] = true;
    int batchSize = config.relay().batchSize();
    lease.whileHeld(c -> outbox.unpublished(c, leases.size(), p, batchSize))
        .compose(batch -> batch.isEmpty() ? Future.succeededFuture(0)
            : publisher.publish(batch)
                .compose(v -> lease.whileHeld(c -> outbox.markPublished(c, batch)))
                .map(marked -> batch.size()))
        .onComplete(ar -> {
          busy[p] = false;
          if (ar.succeeded()) {
            if (failuresInRow[p] > 0) {
              log.info("event=relay_recovered partition={} afterFailures={}", p, failuresInRow[p]);
            }
            failuresInRow[p] = 0;
            published.increment(ar.result());
            if (ar.result() >= batchSize) {
              vertx.runOnContext(v -> relay(p)); // a full batch: more is waiting, go on at once
            }
          } else {
            failures.increment();
            int n = ++failuresInRow[p];
            long wait = OutboxPartitions.backoffMs(n, config.relay().pollMs(), config.relay().backoffCapMs());
            notBeforeNanos[p] = System.nanoTime() + wait * 1_000_000;
            if (n == 1 || n % 20 == 0) { // the first failure and then now and again, not every retry
              log.warn("event=relay_publish_failed partition={} sink={} failuresInRow={} retryInMs={} error=\"{}\"",
                  p, publisher.sink(), n, wait, String.valueOf(ar.cause().getMessage()));
            }
          }
        });
  }

  private void refresh() {
    partitionsHeld.set(leases.stream().filter(AdvisoryLease::held).count());
    publisher.probe();
    if (refreshing) {
      return;
    }
    refreshing = true;
    outbox.lag(pool).onComplete(ar -> {
      refreshing = false;
      if (ar.succeeded()) {
        unpublishedRows.set(ar.result().unpublishedRows());
        oldestAgeSeconds.set(ar.result().oldestAgeSeconds());
      }
    });
  }

  private JsonObject status() {
    OutboxLag lag = new OutboxLag(unpublishedRows.get(), oldestAgeSeconds.get());
    Boolean reachable = publisher.reachable();
    String kafka = !config.kafka().enabled() ? "none" : reachable == null ? "unknown" : reachable ? "up" : "down";
    boolean degraded = lag.olderThan(config.relay().lagDegradedSeconds()) || "down".equals(kafka);
    return OutboxStatusClient.statusJson(lag, degraded).put("kafka", kafka).put("partitionsHeld", partitionsHeld.get());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    List<Future<?>> closing = new ArrayList<>();
    leases.forEach(l -> closing.add(l.close()));
    closing.add(status == null ? Future.succeededFuture() : status.unregister());
    closing.add(publisher == null ? Future.succeededFuture() : publisher.close());
    return Future.join(closing).eventually(() -> pool.close());
  }
}
