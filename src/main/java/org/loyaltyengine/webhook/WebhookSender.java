package org.loyaltyengine.webhook;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import org.loyaltyengine.platform.TargetLookup;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One delivery attempt: {@code POST} the stored body to the subscription's URL, signed with its secret at
 * the time of sending. The whole exchange (connect, send, answer) is bounded by {@code timeoutMs}: an
 * endpoint that accepts the connection and then trickles or never answers is cut off, not waited for.
 * Redirects are not followed. Answers with the status code whatever it is; fails on time-out, a
 * connection error, or {@link TargetLookup.TargetRefused} when the host resolves to an address the SSRF guard
 * refuses (nothing is sent then).
 */
public final class WebhookSender {
  public static final String USER_AGENT = "LoyaltyEngine-Webhooks/1";
  /** How much of an error answer's body is kept for the delivery log. */
  private static final int KEPT_BODY_BYTES = 256;

  /** The endpoint's answer; {@code bodyStart} is the first bytes of its body, for the log. */
  public record Answer(int statusCode, String bodyStart) {
    public boolean successful() {
      return statusCode >= 200 && statusCode < 300;
    }
  }

  /** No complete answer within the time limit. */
  public static final class EndpointTimeout extends RuntimeException {
    public EndpointTimeout(long timeoutMs) {
      super("no answer within " + timeoutMs + " ms", null, false, false);
    }
  }

  private final Vertx vertx;
  private final HttpClient http;
  private final long timeoutMs;
  private final Clock clock;
  private final TargetLookup guard;

  public WebhookSender(Vertx vertx, HttpClient http, long timeoutMs, Clock clock, TargetLookup guard) {
    this.vertx = vertx;
    this.http = http;
    this.timeoutMs = timeoutMs;
    this.clock = clock;
    this.guard = guard;
  }

  public Future<Answer> send(ClaimedDelivery d) {
    RequestOptions options;
    java.net.URI uri;
    try {
      uri = java.net.URI.create(d.url());
      options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(d.url()).setConnectTimeout(timeoutMs)
          .putHeader("Content-Type", "application/json")
          .putHeader("User-Agent", USER_AGENT)
          .putHeader("X-Loyalty-Event-Id", String.valueOf(d.eventId()))
          .putHeader("X-Loyalty-Event-Type", d.eventType())
          .putHeader("X-Loyalty-Delivery-Id", String.valueOf(d.id()))
          .putHeader("X-Loyalty-Attempt", String.valueOf(d.attempts() + 1))
          .putHeader(WebhookSignature.HEADER, WebhookSignature.header(d.secret(), clock.instant().getEpochSecond(), d.payload()));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Promise<Answer> answer = Promise.promise();
    AtomicReference<HttpClientRequest> request = new AtomicReference<>();
    long timer = vertx.setTimer(timeoutMs, id -> {
      if (answer.tryFail(new EndpointTimeout(timeoutMs)) && request.get() != null) {
        request.get().reset(); // frees the connection slot instead of waiting on the endpoint
      }
    });
    // Resolved and checked once (the SSRF guard); the connection goes to exactly that address, while the Host
    // header and TLS SNI stay the URL's host.
    int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    guard.resolve(uri.getHost())
        .compose(address -> {
          if (answer.future().isComplete()) { // timed out while resolving
            return Future.failedFuture(new EndpointTimeout(timeoutMs));
          }
          return http.request(options.setServer(
              io.vertx.core.net.SocketAddress.inetSocketAddress(port, address.getHostAddress())));
        })
        .compose(req -> {
          request.set(req);
          if (answer.future().isComplete()) { // timed out while connecting
            req.reset();
            return Future.failedFuture(new EndpointTimeout(timeoutMs));
          }
          return req.send(Buffer.buffer(d.payload()));
        })
        .compose(WebhookSender::read)
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            answer.tryComplete(ar.result());
          } else {
            answer.tryFail(ar.cause());
          }
        });
    return answer.future();
  }

  /** Reads the answer to its end (so the connection can be reused), keeping only its first bytes. */
  private static Future<Answer> read(HttpClientResponse response) {
    Buffer start = Buffer.buffer();
    response.handler(chunk -> {
      int room = KEPT_BODY_BYTES - start.length();
      if (room > 0) {
        start.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
      }
    });
    return response.end().map(v -> new Answer(response.statusCode(), start.toString()));
  }
}
