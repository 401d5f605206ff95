package org.loyaltyengine.events;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.platform.ConfigException;
import org.loyaltyengine.platform.ConfigLoader;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Kafka and relay configuration, and the Kafka client settings")
class EventsConfigTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  @DisplayName("by default there is no Kafka, one topic loyalty.events, and the relay runs 8 partitions")
  void defaults() {
    AppConfig c = ConfigLoader.load(vertx, Map.of());
    assertFalse(c.kafka().enabled());
    assertEquals("loyalty.events", c.kafka().topic());
    assertTrue(c.relay().enabled());
    assertEquals(8, c.relay().partitions());
    assertTrue(c.relay().leaseRetryMs() <= 5_000);
  }

  @Test
  @DisplayName("LOYALTY_KAFKA_BOOTSTRAP turns Kafka on")
  void bootstrapEnablesKafka() {
    AppConfig c = ConfigLoader.load(vertx, Map.of("LOYALTY_KAFKA_BOOTSTRAP", "127.0.0.1:9092,kafka-2:9092"));
    assertTrue(c.kafka().enabled());
    assertEquals("127.0.0.1:9092,kafka-2:9092", c.kafka().bootstrap());
  }

  @Test
  @DisplayName("a bootstrap that is not host:port is refused with the variable's name")
  void badBootstrap() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(vertx, Map.of("LOYALTY_KAFKA_BOOTSTRAP", "localhost")));
    assertTrue(e.getMessage().startsWith("LOYALTY_KAFKA_BOOTSTRAP must be host:port"), e.getMessage());
  }

  @Test
  @DisplayName("a lease retry above 5 s is refused, so a dead node's partitions always move within 15 s")
  void leaseRetryBounded() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(vertx, Map.of("LOYALTY_RELAY_LEASE_RETRY_MS", "10000")));
    assertEquals("LOYALTY_RELAY_LEASE_RETRY_MS must be between 100 and 5000 (got 10000)", e.getMessage());
  }

  @Test
  @DisplayName("the producer waits for all in-sync replicas, is idempotent and keeps at most 5 requests in flight")
  void producerGuarantees() {
    AppConfig c = ConfigLoader.load(vertx, Map.of("LOYALTY_KAFKA_BOOTSTRAP", "127.0.0.1:9092"));
    Map<String, String> p = KafkaSettings.producer(c.kafka(), "relay");
    assertEquals("all", p.get("acks"));
    assertEquals("true", p.get("enable.idempotence"));
    assertTrue(Integer.parseInt(p.get("max.in.flight.requests.per.connection")) <= 5);
    assertTrue(Long.parseLong(p.get("delivery.timeout.ms"))
        >= Long.parseLong(p.get("request.timeout.ms")) + Long.parseLong(p.get("linger.ms")), "a valid Kafka producer config");
  }

  @Test
  @DisplayName("a feed consumer commits by hand, starts from the earliest record and never creates the topic")
  void consumerSettings() {
    AppConfig c = ConfigLoader.load(vertx, Map.of("LOYALTY_KAFKA_BOOTSTRAP", "127.0.0.1:9092"));
    Map<String, String> k = KafkaSettings.consumer(c.kafka(), "analytics", "feed", 500);
    assertEquals("analytics", k.get("group.id"));
    assertEquals("false", k.get("enable.auto.commit"));
    assertEquals("earliest", k.get("auto.offset.reset"));
    assertEquals("false", k.get("allow.auto.create.topics"));
  }
}
