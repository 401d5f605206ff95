package org.loyaltyengine.events;

import org.loyaltyengine.platform.AppConfig;

import java.util.HashMap;
import java.util.Map;

/** The Kafka client settings the relay and the feed use, in one place so the guarantees are easy to check. */
public final class KafkaSettings {
  private static final String STRING_SERIALIZER = "org.apache.kafka.common.serialization.StringSerializer";
  private static final String STRING_DESERIALIZER = "org.apache.kafka.common.serialization.StringDeserializer";

  private KafkaSettings() {
  }

  /**
   * At least once and in order: acks=all (every in-sync replica has the record), an idempotent producer
   * (a retried send is written once and never ahead of the records sent before it), and at most 5
   * requests in flight, the most idempotence keeps in order.
   */
  public static Map<String, String> producer(AppConfig.Kafka kafka, String clientId) {
    long delivery = kafka.deliveryTimeoutMs();
    Map<String, String> p = common(kafka, clientId);
    p.put("key.serializer", STRING_SERIALIZER);
    p.put("value.serializer", STRING_SERIALIZER);
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("max.in.flight.requests.per.connection", "5");
    p.put("linger.ms", "5");
    p.put("delivery.timeout.ms", String.valueOf(delivery));
    p.put("request.timeout.ms", String.valueOf(Math.min(10_000, delivery / 2)));
    // A send waits this long for topic metadata when the broker is away; the relay asks for metadata
    // once per batch first, so an outage costs one such wait per batch, not one per record.
    p.put("max.block.ms", String.valueOf(Math.min(5_000, delivery)));
    return p;
  }

  /** Offsets are committed by the feed after the consumer succeeded, never automatically. */
  public static Map<String, String> consumer(AppConfig.Kafka kafka, String group, String clientId, int maxPollRecords) {
    Map<String, String> c = common(kafka, clientId);
    c.put("key.deserializer", STRING_DESERIALIZER);
    c.put("value.deserializer", STRING_DESERIALIZER);
    c.put("group.id", group);
    c.put("enable.auto.commit", "false");
    c.put("auto.offset.reset", "earliest");
    c.put("max.poll.records", String.valueOf(maxPollRecords));
    // The relay creates the topic with the configured partition count; a consumer must not create it first
    // with the broker's default.
    c.put("allow.auto.create.topics", "false");
    c.put("metadata.max.age.ms", "10000");
    return c;
  }

  /** Short timeouts: the admin client only creates the topic and answers the health probe. */
  public static Map<String, String> admin(AppConfig.Kafka kafka, String clientId) {
    Map<String, String> a = common(kafka, clientId);
    a.put("request.timeout.ms", "3000");
    a.put("default.api.timeout.ms", "5000");
    return a;
  }

  private static Map<String, String> common(AppConfig.Kafka kafka, String clientId) {
    Map<String, String> m = new HashMap<>();
    m.put("bootstrap.servers", kafka.bootstrap());
    m.put("client.id", clientId);
    m.put("reconnect.backoff.max.ms", "2000");
    return m;
  }
}
