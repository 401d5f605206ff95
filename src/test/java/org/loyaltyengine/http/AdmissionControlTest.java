package org.loyaltyengine.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;

/**
 * Overload is shed at once: a node serves at most {@code admission.maxInFlight} requests; the excess is
 * answered {@code 503 overloaded} with {@code Retry-After} before its body is read, and a full connection
 * pool wait queue does the same instead of queueing towards a time-out. Slow requests are real: clients that
 * send their headers and hold back the body.
 */
@DisplayName("Admission control: bounded in-flight requests and queues, overload refused at once")
class AdmissionControlTest {
  static final int MAX_IN_FLIGHT = 3;
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_ADMISSION_MAX_IN_FLIGHT", String.valueOf(MAX_IN_FLIGHT),
        "LOYALTY_ADMISSION_RETRY_AFTER_SECONDS", "2"));
    tenant = engine.createTenant("admission");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  /** A request whose client sent its headers and the first byte of a 2-byte body, then waits. */
  static final class SlowRequest implements AutoCloseable {
    final Socket socket;
    final String externalId;

    SlowRequest(int port, String key, String externalId) throws IOException {
      this.externalId = externalId;
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(10_000);
      String body = new JsonObject().put("externalId", externalId).encode();
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/members HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
          + body.substring(0, 1)).getBytes(StandardCharsets.UTF_8));
      out.flush();
      rest = body.substring(1);
    }

    private final String rest;

    /** Sends the rest of the body; returns the status code of the answer. */
    int finish() throws IOException {
      socket.getOutputStream().write(rest.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** The node's requests in flight, from readiness (never shed, and not counted itself). */
  static int inFlight() {
    return engine.get("/health/ready", null).json().getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("id").equals("admission")).findFirst().orElseThrow()
        .getJsonObject("data").getInteger("inFlight");
  }

  /** Fills every slot with a slow request (after the previous test's connections have all been let go). */
  static List<SlowRequest> holdAllSlots(String prefix) throws IOException {
    assertTrue(eventually(10_000, () -> inFlight() == 0), "the node is idle");
    List<SlowRequest> held = new ArrayList<>();
    for (int i = 0; i < MAX_IN_FLIGHT; i++) {
      held.add(new SlowRequest(engine.port, tenant.adminKey(), prefix + i));
    }
    assertTrue(eventually(10_000, () -> inFlight() == MAX_IN_FLIGHT), "every slot is held");
    return held;
  }

  static void assertOverloaded(Reply r) {
    assertEquals(503, r.status(), r.body() == null ? "" : r.body().toString());
    assertEquals("overloaded", r.errorCode());
    assertEquals("2", r.headers().get("retry-after"));
  }

  @Test
  @DisplayName("with every in-flight slot held by slow requests, the excess gets 503 overloaded + Retry-After at once; health is never shed")
  void excessIsShedAtOnce() throws Exception {
    List<SlowRequest> held = holdAllSlots("slow-");
    try {
      for (int i = 0; i < 10; i++) {
        assertOverloaded(engine.get("/v1/members/nobody", tenant.adminKey()));
        assertOverloaded(engine.post("/v1/members", tenant.adminKey(), new JsonObject().put("externalId", "shed-" + i)));
      }
      assertOverloaded(engine.get("/v1/members/nobody", "not-even-a-valid-key"));
      assertEquals(200, engine.get("/health/live", null).status(), "liveness is never shed");
      assertEquals(200, engine.get("/health/ready", null).status(), "readiness is never shed");

      for (SlowRequest slow : held) {
        assertEquals(201, slow.finish(), "a held request completes normally once its body arrives");
      }
    } finally {
      for (SlowRequest slow : held) {
        slow.close();
      }
    }
    assertTrue(eventually(5_000, () -> engine.get("/v1/members/slow-0", tenant.adminKey()).status() == 200),
        "slots are given back once the answers are sent");
    assertEquals(0, engine.queryLong("select count(*) from members where external_id like 'shed-%'"),
        "a shed request writes nothing");
  }

  @Test
  @DisplayName("a slow client that disconnects gives its slot back")
  void disconnectReleasesSlot() throws Exception {
    List<SlowRequest> held = holdAllSlots("gone-");
    for (SlowRequest slow : held) {
      slow.close();
    }
    assertTrue(eventually(5_000, () -> engine.get("/v1/members/nobody", tenant.adminKey()).status() == 404),
        "served again once the held connections closed");
    assertEquals(0, engine.queryLong("select count(*) from members where external_id like 'gone-%'"));
  }

  @Test
  @DisplayName("a shed request does not break its keep-alive connection: the next request on it is served")
  void keepAliveSurvivesShedding() throws Exception {
    List<SlowRequest> held = holdAllSlots("keep-");
    try (Socket socket = new Socket("127.0.0.1", engine.port)) {
      socket.setSoTimeout(10_000);
      String body = new JsonObject().put("externalId", "keep-alive").encode();
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/members HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + tenant.adminKey()
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
          .getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      assertEquals("HTTP/1.1 503 Service Unavailable", in.readLine());
      int length = skipHeaders(in);
      in.skip(length);
      out.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertEquals("HTTP/1.1 200 OK", in.readLine(), "the same connection serves the next request");
    } finally {
      for (SlowRequest slow : held) {
        slow.close();
      }
    }
  }

  /** Reads up to the blank line; returns Content-Length. */
  static int skipHeaders(BufferedReader in) throws IOException {
    int length = 0;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return length;
  }

  @Test
  @DisplayName("a burst far above the in-flight limit: every answer is served or 503 overloaded, and only served ones write")
  void burstIsServedOrShed() {
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.wrap(vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(engine.port), new PoolOptions().setHttp1MaxSize(64)), new WebClientOptions());
    try {
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        sent.add(client.post("/v1/members").putHeader("Authorization", "Bearer " + tenant.adminKey())
            .sendJsonObject(new JsonObject().put("externalId", "burst-" + i)));
      }
      Future.join(sent).await();
      int served = 0;
      int shed = 0;
      for (Future<HttpResponse<Buffer>> f : sent) {
        HttpResponse<Buffer> r = f.result();
        if (r.statusCode() == 201) {
          served++;
        } else {
          assertEquals(503, r.statusCode(), "nothing but 201 or 503: " + r.bodyAsString());
          assertEquals("overloaded", r.bodyAsJsonObject().getJsonObject("error").getString("code"));
          assertEquals("2", r.getHeader("Retry-After"));
          shed++;
        }
      }
      assertTrue(served > 0, "the node keeps serving under overload");
      assertEquals(200, served + shed);
      assertEquals(served, engine.queryLong("select count(*) from members where external_id like 'burst-%'"),
          "exactly the served requests wrote");
    } finally {
      client.close();
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("a full connection-pool wait queue sheds the request with 503 overloaded at once; the queued one completes")
  void poolWaitQueueIsBounded() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestEngine small = TestEngine.start(Map.of("LOYALTY_PG_POOL_SIZE", "1", "LOYALTY_PG_MAX_WAIT_QUEUE", "1",
        "LOYALTY_HTTP_INSTANCES", "1", "LOYALTY_AUTH_KEY_CACHE_TTL_MS", "60000"))) {
      WebClient client = WebClient.wrap(vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(small.port), new PoolOptions().setHttp1MaxSize(16)), new WebClientOptions());
      Tenant t = small.createTenant("pool");
      small.enrol(t.adminKey(), "locked");
      JsonObject change = new JsonObject().put("firstName", "Ada");
      java.util.function.Supplier<Future<HttpResponse<Buffer>>> patch = () -> client.patch("/v1/members/locked")
          .putHeader("Authorization", "Bearer " + t.adminKey()).sendJsonObject(change);
      try (Connection c = small.jdbc(); Statement lock = c.createStatement()) {
        c.setAutoCommit(false);
        lock.execute("select 1 from members where external_id = 'locked' for update");
        // The first PATCH holds the only connection, waiting for the row lock.
        Future<HttpResponse<Buffer>> first = patch.get();
        assertTrue(eventually(5_000, () -> small.queryLong("select count(*) from pg_locks where not granted") > 0));
        List<Future<HttpResponse<Buffer>>> more = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          more.add(patch.get());
        }
        // One of them waits in the queue (size 1); the other four are refused without waiting for the lock.
        assertTrue(eventually(5_000, () -> more.stream().filter(Future::isComplete).count() == 4));
        for (Future<HttpResponse<Buffer>> f : more) {
          if (f.isComplete()) {
            HttpResponse<Buffer> r = f.result();
            assertEquals(503, r.statusCode(), r.bodyAsString());
            assertEquals("overloaded", r.bodyAsJsonObject().getJsonObject("error").getString("code"));
            assertEquals("1", r.getHeader("Retry-After"));
          }
        }
        c.rollback();
        assertEquals(200, first.await().statusCode());
        assertEquals(1, more.stream().map(f -> f.await()).filter(r -> r.statusCode() == 200).count(),
            "the queued one is served");
      }
    } finally {
      vertx.close().await();
    }
  }

  /** One request of an open loop: when it was sent, when (and how) it was answered. */
  record Sent(long sentNanos, long answeredNanos, int status, String code, String retryAfter) {
    long millis() {
      return (answeredNanos - sentNanos) / 1_000_000;
    }
  }

  /** The latency controller's state gauge (readiness shows it too, but a stalled database fails readiness). */
  static boolean latencyShedding(TestEngine node) {
    return metric(node, "loyalty_admission_latency_shedding ") == 1;
  }

  static double shedTotal(TestEngine node, String reason) {
    return metric(node, "loyalty_admission_shed_total{reason=\"" + reason + "\"");
  }

  static double metric(TestEngine node, String prefix) {
    for (String line : node.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString().split("\n")) {
      if (line.startsWith(prefix)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  @Test
  @DisplayName("a stalled database under an open loop: once the queue has grown past the latency target for two intervals, new requests get fast 503s instead of joining it; a closed loop of light load before and after is never shed")
  void growingQueueIsShedByLatency() throws Exception {
    Vertx vertx = Vertx.vertx();
    // One connection to PostgreSQL, a long wait queue and a high in-flight bound: only latency can shed here.
    try (TestEngine node = TestEngine.start(Map.of("LOYALTY_PG_POOL_SIZE", "1", "LOYALTY_PG_MAX_WAIT_QUEUE", "1000",
        "LOYALTY_HTTP_INSTANCES", "1", "LOYALTY_AUTH_KEY_CACHE_TTL_MS", "60000",
        "LOYALTY_ADMISSION_LATENCY_TARGET_MS", "20", "LOYALTY_ADMISSION_LATENCY_INTERVAL_MS", "50",
        "LOYALTY_ADMISSION_LATENCY_MIN_IN_FLIGHT", "16"))) {
      WebClient client = WebClient.wrap(vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(node.port), new PoolOptions().setHttp1MaxSize(400)), new WebClientOptions());
      Tenant t = node.createTenant("latency");
      node.enrol(t.adminKey(), "locked");
      node.enrol(t.adminKey(), "reader");

      assertEquals(0, closedLoop(client, t.adminKey(), 8, 1_000), "light load (8 clients, a closed loop) is never shed");

      JsonObject change = new JsonObject().put("firstName", "Ada");
      java.util.concurrent.ConcurrentLinkedQueue<Sent> answers = new java.util.concurrent.ConcurrentLinkedQueue<>();
      int sent = 0;
      try (Connection c = node.jdbc(); Statement lock = c.createStatement()) {
        c.setAutoCommit(false);
        lock.execute("select 1 from members where external_id = 'locked' for update");
        // An open loop at ~200/s for 1.5 s: the first PATCH holds the only connection waiting for the row lock,
        // so nothing completes and every admitted request joins the queue.
        long end = System.nanoTime() + 1_500_000_000L;
        while (System.nanoTime() < end) {
          long at = System.nanoTime();
          client.patch("/v1/members/locked").putHeader("Authorization", "Bearer " + t.adminKey())
              .sendJsonObject(change).onComplete(ar -> {
                if (ar.failed()) {
                  answers.add(new Sent(at, System.nanoTime(), -1, ar.cause().toString(), null));
                  return;
                }
                HttpResponse<Buffer> r = ar.result();
                answers.add(new Sent(at, System.nanoTime(), r.statusCode(),
                    r.statusCode() >= 400 ? r.bodyAsJsonObject().getJsonObject("error").getString("code") : null,
                    r.getHeader("Retry-After")));
              });
          sent++;
          Thread.sleep(5);
        }
        assertTrue(latencyShedding(node), "the state gauge shows the controller shedding");
        assertEquals(200, node.get("/health/live", null).status(), "health is never shed");
        List<Sent> shedEarly = answers.stream().filter(a -> a.status() == 503).toList();
        assertTrue(shedEarly.size() > sent / 2, shedEarly.size() + " of " + sent + " refused while the database stalled");
        for (Sent a : shedEarly) {
          assertEquals("overloaded", a.code());
          assertEquals("1", a.retryAfter());
          assertTrue(a.millis() < 500, "a refusal is answered at once, not queued: " + a.millis() + " ms");
        }
        c.rollback();
      }
      int total = sent;
      assertTrue(eventually(20_000, () -> answers.size() == total), "every request is answered");
      long served = answers.stream().filter(a -> a.status() == 200).count();
      assertEquals(total, served + answers.stream().filter(a -> a.status() == 503).count(),
          "only 200 or 503: " + answers.stream().filter(a -> a.status() != 200 && a.status() != 503).findFirst());
      // Admitted: those that arrived before three slow intervals of a growing queue were seen (~150 ms at
      // ~200/s, ~30), then at most the floor of 16 (the limit's least, as nothing completes). A loaded 2-core CI
      // machine stretches the intervals (95 of 279 seen once, 2026-12-07), so the bound is the majority shed.
      assertTrue(served >= 1 && served < total / 2, served + " of " + total + " were admitted into the queue");
      assertTrue(shedTotal(node, "latency") > 0, "counted with reason latency");
      assertEquals(0, shedTotal(node, "in_flight"), "the in-flight bound never decided");

      assertTrue(eventually(5_000, () -> !latencyShedding(node)), "shedding stops once the queue has drained");
      assertEquals(0, closedLoop(client, t.adminKey(), 8, 1_000), "light load after the stall is never shed");
    } finally {
      vertx.close().await();
    }
  }

  /** {@code clients} clients each reading a member, again as soon as answered, for {@code millis}; the 503s. */
  static long closedLoop(WebClient client, String key, int clients, long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
      loops.add(done.future());
      readUntil(client, key, end, refused, done);
    }
    Future.all(loops).await();
    return refused.get();
  }

  private static void readUntil(WebClient client, String key, long end, java.util.concurrent.atomic.AtomicLong refused,
                                io.vertx.core.Promise<Void> done) {
    if (System.nanoTime() >= end) {
      done.complete();
      return;
    }
    client.get("/v1/members/reader").putHeader("Authorization", "Bearer " + key).send().onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      assertTrue(ar.result().statusCode() == 200 || ar.result().statusCode() == 503, ar.result().bodyAsString());
      if (ar.result().statusCode() == 503) {
        refused.incrementAndGet();
      }
      readUntil(client, key, end, refused, done);
    });
  }
}
