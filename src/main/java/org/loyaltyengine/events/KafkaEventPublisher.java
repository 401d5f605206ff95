package org.loyaltyengine.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.platform.Telemetry;

import java.util.ArrayList;
import java.util.List;

/**
 * Publishes to the one events topic, keyed by {@link DomainEvent#orderingKey()} (tenant:member), so each
 * member's events land on one Kafka partition in the order sent. The batch succeeds when every record is
 * acknowledged by all in-sync replicas (see {@link KafkaSettings#producer}).
 */
public final class KafkaEventPublisher implements EventPublisher {
  private final AppConfig.Kafka kafka;
  private final KafkaProducer<String, String> producer;
  private final KafkaAdminClient admin;
  private Future<Void> topicReady;
  private volatile Boolean reachable;
  private boolean probing;

  private KafkaEventPublisher(Vertx vertx, AppConfig.Kafka kafka, String clientId) {
    this.kafka = kafka;
    this.producer = KafkaProducer.create(vertx, KafkaSettings.producer(kafka, clientId));
    // Each send's own future carries its failure to the relay; without this the stream reports it again.
    this.producer.exceptionHandler(err -> { });
    this.admin = KafkaAdminClient.create(vertx, KafkaSettings.admin(kafka, clientId + "-admin"));
  }

  /** Kafka clients are built off the event loop: their constructors load classes and resolve addresses. */
  public static Future<EventPublisher> create(Vertx vertx, AppConfig.Kafka kafka, String clientId) {
    return vertx.executeBlocking(() -> new KafkaEventPublisher(vertx, kafka, clientId));
  }

  @Override
  public Future<Void> publish(List<DomainEvent> batch) {
    // Metadata first: when the broker is away this fails once for the batch instead of once per record.
    return topic().compose(v -> producer.partitionsFor(kafka.topic())).compose(partitions -> {
      List<Future<?>> acks = new ArrayList<>(batch.size());
      for (DomainEvent e : batch) {
        // Sent inside the trace of the request that wrote the event (when it was traced): Vert.x makes the send's
        // span its child and puts the traceparent header on the record for the consumers.
        acks.add(Telemetry.within(e.traceparent(), () ->
            producer.send(KafkaProducerRecord.create(kafka.topic(), e.orderingKey(), DomainEventJson.encode(e)))));
      }
      // join, not all: wait for every record's outcome, so a retry is never sent beside the first attempt.
      return Future.join(acks).<Void>mapEmpty();
    }).onSuccess(v -> reachable = true);
  }

  private Future<Void> topic() {
    if (topicReady == null || (topicReady.isComplete() && topicReady.failed())) {
      topicReady = KafkaTopicClient.ensure(admin, kafka);
    }
    return topicReady;
  }

  @Override
  public String sink() {
    return "kafka";
  }

  @Override
  public Boolean reachable() {
    return reachable;
  }

  @Override
  public Future<Void> probe() {
    if (probing) {
      return Future.succeededFuture();
    }
    probing = true;
    return admin.describeCluster()
        .onComplete(ar -> {
          probing = false;
          reachable = ar.succeeded() && !ar.result().getNodes().isEmpty();
        })
        .<Void>mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return producer.close().eventually(admin::close);
  }
}
