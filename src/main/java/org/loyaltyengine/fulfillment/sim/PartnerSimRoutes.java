package org.loyaltyengine.fulfillment.sim;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.loyaltyengine.fulfillment.sim.FailurePolicy.Fate;
import org.loyaltyengine.http.Failures;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.RequestIds;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.platform.Rejection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * The simulator's HTTP API; all decisions are {@link GiftCardIssuer}'s. Must run on one event loop: the
 * count of held ("lost") responses is not shared between threads.
 */
final class PartnerSimRoutes {
  private static final Logger log = LoggerFactory.getLogger(PartnerSimRoutes.class);
  static final int MAX_BODY_BYTES = 256 * 1024;
  static final int MAX_ISSUED_PAGE = 100_000;
  private static final String BEARER = "Bearer ";
  private static final String REPLAYED = "Idempotent-Replayed";

  private final Vertx vertx;
  private final GiftCardIssuer issuer;
  private final SimControls controls;
  private final IssuanceRegistry registry;
  private final SimStats stats;
  private final Optional<byte[]> apiKey;
  private final long holdMs;
  private final int maxHeld;
  private int held;

  PartnerSimRoutes(Vertx vertx, GiftCardIssuer issuer, SimControls controls, IssuanceRegistry registry,
                   SimStats stats, SimulatorOptions options) {
    this.vertx = vertx;
    this.issuer = issuer;
    this.controls = controls;
    this.registry = registry;
    this.stats = stats;
    this.apiKey = options.apiKey().map(k -> k.getBytes(StandardCharsets.UTF_8));
    this.holdMs = options.timeoutHoldMs();
    this.maxHeld = options.maxHeldRequests();
  }

  void mount(Router router) {
    router.route().handler(this::refuseDuringOutage);
    router.route().handler(new RequestIds(false));
    router.route("/v1/*").handler(this::authenticate);
    router.get("/stats").handler(this::authenticate);
    router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));

    router.post("/v1/gift-cards").handler(ctx -> giftCards(ctx, false));
    router.post("/v1/gift-cards/batch").handler(ctx -> giftCards(ctx, true));
    router.get("/control").handler(ctx -> Responses.json(ctx, 200, SimJson.settings(controls.settings(), controls.now())));
    router.put("/control").handler(this::changeControls);
    router.get("/issued").handler(this::issued);
    router.get("/stats").handler(ctx -> Responses.json(ctx, 200, SimJson.stats(stats.snapshot())));

    Failures failures = new Failures();
    router.route().failureHandler(failures);
    router.errorHandler(404, ctx -> Failures.send(ctx, 404, "not_found", "no such route: " + ctx.request().path(), null));
    router.errorHandler(405, ctx -> Failures.send(ctx, 405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path(), null));
    router.errorHandler(500, failures);
  }

  /** Outage, then body, then the dice: 503 (nothing issued), issue and never answer, or issue and answer. */
  private void giftCards(RoutingContext ctx, boolean batch) {
    if (issuer.outage(batch)) {
      unavailable(ctx);
      return;
    }
    List<IssueRequest> orders = batch ? SimJson.batch(JsonInput.of(ctx)) : List.of(SimJson.order(JsonInput.of(ctx)));
    Fate fate = issuer.fate();
    if (fate == Fate.UNAVAILABLE) {
      delay(issuer.answerDelayMs()).onSuccess(v -> unavailable(ctx));
      return;
    }
    List<IssueResult> results;
    try {
      results = issuer.issue(orders);
    } catch (StorageFullException e) {
      log.warn("event=partner_sim_storage_full reason=\"{}\"", e.getMessage());
      Failures.send(ctx, 507, "insufficient_storage", e.getMessage(), null);
      return;
    }
    if (fate == Fate.LOST_RESPONSE) {
      hold(ctx);
      return;
    }
    delay(issuer.answerDelayMs()).onSuccess(v -> {
      if (batch) {
        send(ctx, 200, SimJson.results(results));
      } else {
        answerOne(ctx, results.get(0));
      }
    });
  }

  private void answerOne(RoutingContext ctx, IssueResult r) {
    if (r.outcome() == IssueResult.Outcome.CONFLICT) {
      Issuance first = r.issuance();
      send(ctx, 409, Failures.body(SimJson.KEY_REUSED, "idempotency key \"" + first.idempotencyKey()
          + "\" was first used for sku " + first.sku() + " x " + first.quantity() + "; use a new key for a new order",
          "idempotencyKey"));
      return;
    }
    if (r.outcome() == IssueResult.Outcome.REPLAY) {
      ctx.response().putHeader(REPLAYED, "true");
    }
    send(ctx, r.issued() ? 200 : 422, SimJson.result(r));
  }

  private void changeControls(RoutingContext ctx) {
    SimSettings s = controls.update(SimJson.settingsChange(JsonInput.of(ctx)));
    JsonObject body = SimJson.settings(s, controls.now());
    log.info("event=partner_sim_controls settings={}", body.encode());
    Responses.json(ctx, 200, body);
  }

  private void issued(RoutingContext ctx) {
    int offset = queryInt(ctx, "offset", 0, Integer.MAX_VALUE, 0);
    int limit = queryInt(ctx, "limit", 1, MAX_ISSUED_PAGE, MAX_ISSUED_PAGE);
    Responses.json(ctx, 200, SimJson.issued(registry.issued(offset, limit)));
  }

  /**
   * During a "refuse" outage the server stops listening, but a request can still arrive on a connection
   * opened before (closing takes a moment): it gets no answer either, just a closed connection.
   */
  private void refuseDuringOutage(RoutingContext ctx) {
    if (controls.settings().refusing(controls.now())) {
      ctx.request().connection().close();
      return;
    }
    ctx.next();
  }

  private void authenticate(RoutingContext ctx) {
    if (apiKey.isEmpty() || bearerMatches(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))) {
      ctx.next();
      return;
    }
    stats.unauthorized();
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    Failures.send(ctx, 401, "unauthorized", "a valid API key is required as Authorization: Bearer <key>",
        "Authorization");
  }

  private boolean bearerMatches(String header) {
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(given, apiKey.get()); // constant time
  }

  /**
   * A "lost" response: the codes are issued but the answer never comes. The connection is closed after
   * {@code holdMs} (or at once beyond {@code maxHeld} held calls), so a client without a timeout still ends.
   */
  private void hold(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    HttpConnection connection = ctx.request().connection();
    if (response.closed()) {
      return; // the client already gave up
    }
    if (held >= maxHeld) {
      connection.close();
      return;
    }
    held++;
    Promise<Void> released = Promise.promise();
    released.future().onComplete(v -> held--);
    Timer timer = vertx.timer(holdMs);
    response.closeHandler(v -> {
      timer.cancel();
      released.tryComplete();
    });
    timer.onSuccess(v -> {
      released.tryComplete();
      connection.close();
    });
  }

  private Future<Void> delay(long ms) {
    return ms == 0 ? Future.succeededFuture() : vertx.timer(ms);
  }

  private static void unavailable(RoutingContext ctx) {
    send(ctx, 503, new JsonObject().put("error", "unavailable"));
  }

  /** Answers unless the client has gone meanwhile (it may give up during the latency). */
  private static void send(RoutingContext ctx, int status, JsonObject body) {
    if (!ctx.response().closed() && !ctx.response().ended()) {
      Responses.json(ctx, status, body);
    }
  }

  private static int queryInt(RoutingContext ctx, String name, int min, int max, int absent) {
    String raw = ctx.request().getParam(name);
    if (raw == null) {
      return absent;
    }
    try {
      int n = Integer.parseInt(raw);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the rejection
    }
    throw Rejection.invalid(name, name + " must be an integer between " + min + " and " + max);
  }
}
