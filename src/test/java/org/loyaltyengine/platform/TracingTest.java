package org.loyaltyengine.platform;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.loyaltyengine.events.EventFixtures;
import org.loyaltyengine.testing.Eventually;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;
import org.loyaltyengine.testing.TestKafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tracing end to end: an engine with tracing on exports to an OTLP/HTTP receiver in this test (a Vert.x server
 * decoding the exporter's protobuf with the OTLP schema), with the suite's Kafka broker behind the relay.
 */
@DisplayName("Tracing: one earning is one trace, from the HTTP request to the Kafka record and its consumers")
class TracingTest {
  static final String TOPIC = "loyalty.events.tracing-" + UUID.randomUUID();
  static final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  static final List<String> services = new CopyOnWriteArrayList<>();
  static Vertx receiverVertx;
  static HttpServer receiver;
  static TestEngine engine;

  /** A span as the collector received it, with its attributes flattened to strings. */
  record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, Span.SpanKind kind,
                      Map<String, String> attributes) {
    String attribute(String key) {
      return attributes.getOrDefault(key, "");
    }

    @Override
    public String toString() {
      return kind + " " + name + " " + attributes + " span=" + spanId + " parent=" + parentSpanId;
    }
  }

  @BeforeAll
  static void start() {
    receiverVertx = Vertx.vertx();
    receiver = receiverVertx.createHttpServer().requestHandler(req -> {
      if (req.method() != HttpMethod.POST || !"/v1/traces".equals(req.path())) {
        req.response().setStatusCode(404).end();
        return;
      }
      req.body().onSuccess(body -> {
        try {
          collect(ExportTraceServiceRequest.parseFrom(body.getBytes()));
          req.response().putHeader("content-type", "application/x-protobuf")
              .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
        } catch (Exception e) {
          req.response().setStatusCode(400).end(e.toString());
        }
      });
    }).listen(0, "127.0.0.1").await();
    engine = TestEngine.start(Map.of("LOYALTY_TRACING_ENABLED", "true",
        "LOYALTY_TRACING_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.actualPort() + "/v1/traces",
        "LOYALTY_TRACING_SERVICE_NAME", "loyalty-engine-test",
        "LOYALTY_KAFKA_BOOTSTRAP", TestKafka.shared().bootstrap(), "LOYALTY_KAFKA_TOPIC", TOPIC,
        "LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false", "LOYALTY_RELAY_POLL_MS", "50"));
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
    }
    receiverVertx.close().await();
  }

  private static void collect(ExportTraceServiceRequest request) {
    for (ResourceSpans rs : request.getResourceSpansList()) {
      rs.getResource().getAttributesList().stream().filter(kv -> kv.getKey().equals("service.name"))
          .forEach(kv -> services.add(kv.getValue().getStringValue()));
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          spans.add(new ReceivedSpan(hex(s.getTraceId()), hex(s.getSpanId()), hex(s.getParentSpanId()), s.getName(),
              s.getKind(), s.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey,
                  kv -> text(kv.getValue()), (a, b) -> a))));
        }
      }
    }
  }

  private static String hex(ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  private static String text(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> Long.toString(v.getIntValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      default -> v.toString();
    };
  }

  @Test
  @DisplayName("the POST /v1/transactions server span, the rules hop on the event bus, the PostgreSQL queries, the "
      + "relay's Kafka send and the consumers' queries share one trace id")
  void earningIsOneTrace() throws Exception {
    Tenant tenant = engine.createTenant("tracing");
    JsonObject rules = new JsonObject().put("rules", new JsonArray().add(new JsonObject()
        .put("id", "base").put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100))));
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json",
        rules.toBuffer()).status());
    engine.enrol(tenant.adminKey(), "traced-1");
    JsonObject purchase = new JsonObject().put("transactionId", "T-traced-1").put("memberExternalId", "traced-1")
        .put("occurredAt", Instant.now().minusSeconds(60).toString()).put("total", 4200).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1").put("category", "grocery")
            .put("quantity", 1).put("amount", 4200)));
    engine.get("/health/ready", null); // its answer is OperationsTest's business; here only whether it is traced
    assertEquals(200, engine.get("/metrics", TestEngine.OPERATOR_TOKEN).status());
    assertEquals(201, engine.post("/v1/transactions", tenant.adminKey(), purchase).status());

    // The server span of the purchase; Vert.x names it by method and tags the path.
    assertTrue(Eventually.eventually(20_000, () -> serverSpan().isPresent()), "no server span for POST /v1/transactions: " + spans);
    ReceivedSpan server = serverSpan().orElseThrow();
    // The relay publishes asynchronously, and the consumers read the record after that: wait for both.
    assertTrue(Eventually.eventually(30_000, () -> kafkaSend(server.traceId()).isPresent()),
        "no Kafka send in the purchase's trace: " + trace(server.traceId()));
    ReceivedSpan send = kafkaSend(server.traceId()).orElseThrow();
    assertTrue(Eventually.eventually(30_000, () -> trace(server.traceId()).stream()
            .anyMatch(s -> s.parentSpanId().equals(send.spanId()))),
        "no consumer work under the Kafka send: " + trace(server.traceId()));

    List<ReceivedSpan> trace = trace(server.traceId());
    String dump = trace.stream().map(ReceivedSpan::toString).collect(Collectors.joining("\n  ", "\n  ", ""));
    // HTTP -> event bus: the request to the rules workers, and their side of it, in the trace.
    ReceivedSpan rulesRequest = trace.stream().filter(s -> s.kind() == Span.SpanKind.SPAN_KIND_CLIENT
        && "loyalty.rules.evaluate".equals(s.attribute("messaging.destination.name"))).findFirst()
        .orElseThrow(() -> new AssertionError("the event-bus request to the rules workers" + dump));
    assertEquals(server.spanId(), rulesRequest.parentSpanId(), "sent while serving the request" + dump);
    assertTrue(trace.stream().anyMatch(s -> s.kind() == Span.SpanKind.SPAN_KIND_SERVER
        && s.parentSpanId().equals(rulesRequest.spanId())), "the rules worker's side of the hop" + dump);
    // -> PostgreSQL: the ledger statement of the earning, a child of the request.
    ReceivedSpan earn = trace.stream().filter(s -> s.attribute("db.query.text").contains("loyalty_apply_earnings(")).findFirst()
        .orElseThrow(() -> new AssertionError("the ledger statement of the earning" + dump));
    assertEquals("postgresql", earn.attribute("db.system"), dump);
    assertEquals(server.spanId(), earn.parentSpanId(), dump);
    // -> Kafka: the relay's send of the points.earned event, a child of the request that wrote it (outbox traceparent).
    assertEquals(server.spanId(), send.parentSpanId(), "the send joins the request's trace" + dump);
    assertEquals(TOPIC, send.attribute("messaging.destination.name"), dump);
    // -> consumers: the analytics and webhook consumers' queries for that record, under the send.
    assertTrue(trace.stream().anyMatch(s -> s.parentSpanId().equals(send.spanId())
        && "postgresql".equals(s.attribute("db.system"))), "a consumer's query under the send" + dump);
    // The record itself carries the trace for any other consumer.
    List<ConsumerRecord<String, String>> records = EventFixtures.readTopic(TestKafka.shared().bootstrap(), TOPIC, 2,
        Duration.ofSeconds(30));
    ConsumerRecord<String, String> earned = records.stream()
        .filter(r -> "points.earned".equals(new JsonObject(r.value()).getString("type"))).findFirst().orElseThrow();
    Header header = earned.headers().lastHeader("traceparent");
    assertNotNull(header, "the points.earned record has a traceparent header");
    assertTrue(new String(header.value(), StandardCharsets.UTF_8).contains(server.traceId()), "the request's trace id");
    assertTrue(services.contains("loyalty-engine-test"), "service.name from tracing.serviceName: " + services);
    // Probes and scrapes (sent before the purchase, so exported by now) make no traces.
    assertTrue(spans.stream().noneMatch(s -> s.attribute("url.path").startsWith("/health/")
        || s.attribute("url.path").equals("/metrics")), "probe or scrape traced: " + spans);
  }

  @Test
  @DisplayName("tracing is off unless configured, and a bad sampling ratio or endpoint stops start-up with a reason")
  void offByDefault() {
    Vertx vertx = Vertx.vertx();
    try {
      assertFalse(ConfigLoader.load(vertx, Map.of()).tracing().enabled());
      ConfigException ratio = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
          () -> ConfigLoader.load(vertx, Map.of("LOYALTY_TRACING_SAMPLING_RATIO", "1.5")));
      assertTrue(ratio.getMessage().contains("LOYALTY_TRACING_SAMPLING_RATIO"), ratio.getMessage());
      ConfigException endpoint = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
          () -> ConfigLoader.load(vertx, Map.of("LOYALTY_TRACING_ENABLED", "true", "LOYALTY_TRACING_OTLP_ENDPOINT", "collector:4318")));
      assertTrue(endpoint.getMessage().contains("LOYALTY_TRACING_OTLP_ENDPOINT"), endpoint.getMessage());
    } finally {
      vertx.close().await();
    }
  }

  private static Optional<ReceivedSpan> serverSpan() {
    return spans.stream().filter(s -> s.kind() == Span.SpanKind.SPAN_KIND_SERVER
        && "POST".equals(s.attribute("http.request.method")) && "/v1/transactions".equals(s.attribute("url.path"))).findFirst();
  }

  private static Optional<ReceivedSpan> kafkaSend(String traceId) {
    return trace(traceId).stream().filter(s -> s.kind() == Span.SpanKind.SPAN_KIND_PRODUCER
        && "kafka".equals(s.attribute("peer.service"))).findFirst();
  }

  private static List<ReceivedSpan> trace(String traceId) {
    return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
  }
}
