package org.loyaltyengine.events;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.loyaltyengine.testing.TestEngine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Activity that writes domain events, and the checks every relay test makes of what came out. */
public final class EventFixtures {
  private EventFixtures() {}

  static final Instant AN_HOUR_AGO = Instant.now().minusSeconds(3600);

  /** One point per whole EUR, so every purchase writes a points.earned event. */
  static void onePointPerEuro(TestEngine engine, String adminKey) {
    JsonObject rules = new JsonObject().put("rules", new JsonArray().add(new JsonObject()
        .put("id", "base").put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)
            .put("rounding", "down").put("spend", "basket"))));
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", adminKey, "application/json", rules.toBuffer())
        .status());
  }

  static JsonObject purchase(String transactionId, String member, long total) {
    return new JsonObject().put("transactionId", transactionId).put("memberExternalId", member)
        .put("occurredAt", AN_HOUR_AGO.toString()).put("total", total).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1").put("category", "grocery")
            .put("quantity", 1).put("amount", total)));
  }

  /**
   * {@code members} members enrolled at once, then {@code rounds} rounds in which every member buys
   * something (all members concurrently, each member's purchases one after another): events of many
   * members interleave in the outbox while each member's have a definite order.
   */
  static void activity(TestEngine engine, String key, String prefix, int members, int rounds) {
    enrol(engine, key, prefix, members);
    purchases(engine, key, prefix, members, 0, rounds);
  }

  /** Members {@code prefix0} .. {@code prefix<members-1>}, enrolled concurrently. */
  static void enrol(TestEngine engine, String key, String prefix, int members) {
    List<Future<TestEngine.Reply>> enrolments = new ArrayList<>();
    for (int m = 0; m < members; m++) {
      enrolments.add(engine.postAsync("/v1/members", key, new JsonObject().put("externalId", prefix + m)));
    }
    expectAll(enrolments, 201);
  }

  /** Rounds {@code from} .. {@code from+rounds-1}: each round one purchase per member, all members at once. */
  static void purchases(TestEngine engine, String key, String prefix, int members, int from, int rounds) {
    for (int r = from; r < from + rounds; r++) {
      List<Future<TestEngine.Reply>> purchases = new ArrayList<>();
      for (int m = 0; m < members; m++) {
        purchases.add(engine.postAsync("/v1/transactions", key, purchase(prefix + m + "-t" + r, prefix + m, 1_000 + r * 100)));
      }
      expectAll(purchases, 201);
    }
  }

  private static void expectAll(List<Future<TestEngine.Reply>> replies, int status) {
    for (Future<TestEngine.Reply> f : replies) {
      TestEngine.Reply r = f.await();
      assertEquals(status, r.status(), () -> r.body().toString());
    }
  }

  static long unpublished(TestEngine engine) {
    return engine.queryLong("select count(*) from outbox where published_at is null");
  }

  /**
   * Every expected event was received, and for each member (ordering key) the first occurrences came in
   * the outbox's order. Duplicates are allowed (at least once); reordering and loss are not.
   */
  public static void assertEveryEventInMemberOrder(List<DomainEvent> expected, List<DomainEvent> received) {
    Map<String, List<Long>> want = byKey(expected);
    Map<String, List<Long>> got = new LinkedHashMap<>();
    Set<Long> seen = new HashSet<>();
    for (DomainEvent e : received) {
      if (seen.add(e.eventId())) {
        got.computeIfAbsent(e.orderingKey(), k -> new ArrayList<>()).add(e.eventId());
      }
    }
    assertEquals(want.keySet(), got.keySet(), "the same members");
    for (Map.Entry<String, List<Long>> member : want.entrySet()) {
      assertEquals(member.getValue(), got.get(member.getKey()), "events of " + member.getKey() + ", first occurrences in order");
    }
  }

  private static Map<String, List<Long>> byKey(List<DomainEvent> events) {
    Map<String, List<Long>> map = new LinkedHashMap<>();
    for (DomainEvent e : events) {
      map.computeIfAbsent(e.orderingKey(), k -> new ArrayList<>()).add(e.eventId());
    }
    return map;
  }

  /**
   * Every record of {@code topic}, from the beginning of each partition, partition by partition in offset
   * order, read with a plain Kafka consumer (no group) until {@code distinct} different events are in.
   */
  public static List<ConsumerRecord<String, String>> readTopic(String bootstrap, String topic, int distinct, Duration timeout) {
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      Set<Long> ids = new HashSet<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (ids.size() < distinct && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          records.add(r);
          ids.add(DomainEventJson.decode(r.value()).eventId());
        }
      }
      return records;
    }
  }

  /** The events in Kafka order: per partition by offset, which is the order each member's events were written. */
  public static List<DomainEvent> events(List<ConsumerRecord<String, String>> records) {
    List<DomainEvent> events = new ArrayList<>(records.size());
    records.forEach(r -> events.add(DomainEventJson.decode(r.value())));
    return events;
  }
}
