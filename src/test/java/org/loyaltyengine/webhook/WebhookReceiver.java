package org.loyaltyengine.webhook;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.testing.TestEngine;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A webhook endpoint for tests: a real HTTP server on a free port that records every request, checks its
 * signature with its own HMAC code (not the engine's), and can be told to answer 503, to hang without
 * answering, or to go away altogether (connection refused) and come back on the same port.
 */
final class WebhookReceiver implements AutoCloseable {
  enum Mode { OK, FAIL_503, HANG }

  /** One request as the receiver saw it. */
  record Received(String path, long eventId, String eventType, long deliveryId, int attempt, JsonObject body,
                  String contentType, boolean signatureValid, int answeredWith) {
    String externalId() {
      return body.getString("externalId");
    }

    boolean accepted() {
      return answeredWith >= 200 && answeredWith < 300;
    }
  }

  private final Vertx vertx;
  final int port;
  private HttpServer server;
  private volatile Mode mode = Mode.OK;
  private final Map<String, String> secrets = new ConcurrentHashMap<>();
  private final Set<Long> failingEvents = ConcurrentHashMap.newKeySet();
  private final Set<String> hangingPaths = ConcurrentHashMap.newKeySet();
  private final List<Received> requests = Collections.synchronizedList(new ArrayList<>());

  private WebhookReceiver(Vertx vertx) {
    this.vertx = vertx;
    this.port = TestEngine.freePort();
  }

  static WebhookReceiver start(Vertx vertx) {
    WebhookReceiver r = new WebhookReceiver(vertx);
    r.up();
    return r;
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** The secret the subscription at {@code path} signs with (from its creation reply). */
  void secret(String path, String secret) {
    secrets.put(path, secret);
  }

  void mode(Mode m) {
    mode = m;
  }

  /** Answer 503 to this event whatever the mode. */
  void failEvent(long eventId) {
    failingEvents.add(eventId);
  }

  /** Never answer requests to this path, whatever the mode. */
  void hang(String path) {
    hangingPaths.add(path);
  }

  /** Stops listening: requests are refused at connect. */
  void down() {
    if (server != null) {
      server.close().await();
      server = null;
    }
  }

  void up() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setReuseAddress(true))
        .requestHandler(this::handle).listen().await();
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buffer -> {
      String body = buffer.toString(StandardCharsets.UTF_8);
      String path = req.path();
      long eventId = Long.parseLong(req.getHeader("X-Loyalty-Event-Id"));
      Mode now = hangingPaths.contains(path) ? Mode.HANG : failingEvents.contains(eventId) ? Mode.FAIL_503 : mode;
      int status = switch (now) {
        case OK -> 200;
        case FAIL_503 -> 503;
        case HANG -> 0;
      };
      requests.add(new Received(path, eventId, req.getHeader("X-Loyalty-Event-Type"),
          Long.parseLong(req.getHeader("X-Loyalty-Delivery-Id")), Integer.parseInt(req.getHeader("X-Loyalty-Attempt")),
          new JsonObject(body), req.getHeader("Content-Type"), signatureValid(secrets.get(path),
          req.getHeader("X-Loyalty-Signature"), body), status));
      if (now == Mode.HANG) {
        return; // never answers
      }
      req.response().setStatusCode(status).end(status == 200 ? "ok" : "unavailable, try later");
    });
  }

  /** What a receiver is told to do in docs/webhooks.md, written independently of the engine's code. */
  static boolean signatureValid(String secret, String header, String body) {
    if (secret == null || header == null || !header.matches("t=\\d+,v1=[0-9a-f]{64}")) {
      return false;
    }
    String t = header.substring(2, header.indexOf(','));
    String v1 = header.substring(header.indexOf("v1=") + 3);
    if (Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(t)) > 300) {
      return false;
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] expected = mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8));
      return MessageDigest.isEqual(expected, HexFormat.of().parseHex(v1));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  List<Received> all(String path) {
    synchronized (requests) {
      return requests.stream().filter(r -> r.path().equals(path)).toList();
    }
  }

  List<Received> accepted(String path) {
    return all(path).stream().filter(Received::accepted).toList();
  }

  @Override
  public void close() {
    down();
  }
}
