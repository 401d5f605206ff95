package org.loyaltyengine.fulfillment.sim;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/** A blocking HTTP client for readable simulator tests (call from the test thread, never an event loop). */
final class SimClient implements AutoCloseable {
  static final long TIMEOUT_MS = 5_000;

  private final WebClient client;
  private final int port;
  private Optional<String> apiKey = Optional.empty();

  SimClient(Vertx vertx, int port) {
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.port = port;
  }

  record Reply(int status, MultiMap headers, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }

    List<String> codes() {
      return json().getJsonArray("codes").stream().map(String.class::cast).toList();
    }

    String errorCode() {
      return json().getJsonObject("error").getString("code");
    }

    String errorField() {
      return json().getJsonObject("error").getString("field");
    }
  }

  SimClient withApiKey(String key) {
    apiKey = Optional.ofNullable(key);
    return this;
  }

  static JsonObject order(String key, String sku, int quantity) {
    return new JsonObject().put("idempotencyKey", key).put("sku", sku).put("quantity", quantity);
  }

  static JsonObject batch(JsonObject... orders) {
    return new JsonObject().put("items", new JsonArray(List.of((Object[]) orders)));
  }

  static JsonObject batchOf(String keyPrefix, int n) {
    return new JsonObject().put("items", new JsonArray(IntStream.range(0, n)
        .mapToObj(i -> order(keyPrefix + i, "SKU-10", 1)).toList()));
  }

  Reply issue(JsonObject order) {
    return send(HttpMethod.POST, "/v1/gift-cards", order, TIMEOUT_MS);
  }

  Reply issueBatch(JsonObject batch) {
    return send(HttpMethod.POST, "/v1/gift-cards/batch", batch, TIMEOUT_MS);
  }

  Reply control(JsonObject change) {
    return send(HttpMethod.PUT, "/control", change, TIMEOUT_MS);
  }

  Reply get(String path) {
    return send(HttpMethod.GET, path, null, TIMEOUT_MS);
  }

  /** Sends and waits at most {@code timeoutMs}; throws when no answer comes (timeout, closed, refused). */
  Reply send(HttpMethod method, String path, JsonObject body, long timeoutMs) {
    HttpRequest<Buffer> request = client.request(method, port, "127.0.0.1", path).timeout(timeoutMs);
    apiKey.ifPresent(request::bearerTokenAuthentication);
    HttpResponse<Buffer> r = (body == null ? request.send() : request.sendJsonObject(body)).await();
    return new Reply(r.statusCode(), r.headers(), r.bodyAsBuffer() == null ? Buffer.buffer() : r.bodyAsBuffer());
  }

  /** The exception a request ends with, or empty if it was answered. */
  Optional<Throwable> failureOf(HttpMethod method, String path, JsonObject body, long timeoutMs) {
    try {
      send(method, path, body, timeoutMs);
      return Optional.empty();
    } catch (Throwable t) {
      return Optional.of(t);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
