package org.loyaltyengine.fulfillment;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import org.loyaltyengine.platform.TargetLookup;

import java.net.URI;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gift-card partner protocol: {@code POST {url}/v1/gift-cards/batch} with one item per redemption, whose
 * id is the idempotency key, so a retried batch (after a lost reply) gets the same cards, never new ones.
 * A whole-call failure (non-200, time-out, connection) fails the future: the caller retries later. Per-item
 * rejections are permanent. The partner's host is resolved and judged by the SSRF guard at every call, and the
 * call goes to exactly the address judged (the Host header and TLS SNI stay the URL's host); a refused address
 * fails the call like an unreachable partner (retried later: DNS may change back, an operator may allow it).
 */
public final class PartnerClient {
  public record Item(String idempotencyKey, String sku, int quantity) {}

  /** One item's outcome: {@code codes} when issued, else the partner's {@code error}. */
  public record Outcome(List<String> codes, String error) {
    public boolean issued() {
      return codes != null;
    }
  }

  /** The partner could not be used this time (a reason to retry, and to count toward opening the circuit). */
  public static final class PartnerUnavailable extends RuntimeException {
    public PartnerUnavailable(String message) {
      super(message, null, false, false);
    }
  }

  private final HttpClient http;
  private final TargetLookup guard;

  public PartnerClient(HttpClient http, TargetLookup guard) {
    this.http = http;
    this.guard = guard;
  }

  public Future<Map<String, Outcome>> issue(PartnerConfig partner, List<Item> items) {
    JsonArray body = new JsonArray();
    items.forEach(i -> body.add(new JsonObject().put("idempotencyKey", i.idempotencyKey()).put("sku", i.sku())
        .put("quantity", i.quantity())));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(partner.url() + "/v1/gift-cards/batch")
        .setConnectTimeout(partner.timeoutMs()).setIdleTimeout(partner.timeoutMs())
        .putHeader("Content-Type", "application/json");
    if (partner.apiKey() != null) {
      options.putHeader("Authorization", "Bearer " + partner.apiKey());
    }
    URI uri = URI.create(partner.url());
    int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    return guard.resolve(uri.getHost())
        .recover(e -> Future.failedFuture(e instanceof TargetLookup.TargetRefused
            ? new PartnerUnavailable("partner url refused: " + e.getMessage()) : e))
        .compose(address -> http.request(options.setServer(
            SocketAddress.inetSocketAddress(port, address.getHostAddress()))))
        .compose(req -> req.send(new JsonObject().put("items", body).toBuffer()))
        .compose(resp -> resp.body().compose(buffer -> resp.statusCode() == 200
            ? Future.succeededFuture(outcomes(buffer))
            : Future.failedFuture(new PartnerUnavailable("partner answered HTTP " + resp.statusCode()))));
  }

  private static Map<String, Outcome> outcomes(Buffer buffer) {
    Map<String, Outcome> out = new HashMap<>();
    JsonArray results = buffer.toJsonObject().getJsonArray("results", new JsonArray());
    for (int i = 0; i < results.size(); i++) {
      JsonObject r = results.getJsonObject(i);
      String key = r.getString("idempotencyKey");
      if ("issued".equals(r.getString("status"))) {
        out.put(key, new Outcome(r.getJsonArray("codes", new JsonArray()).stream().map(String::valueOf).toList(), null));
      } else {
        out.put(key, new Outcome(null, r.getString("error", "rejected")));
      }
    }
    return out;
  }
}
