package org.loyaltyengine.fulfillment.sim;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * One simulator's HTTP server. Besides serving, it follows the controls: during a "refuse" outage it stops
 * listening, and listens again on the same port when the outage ends. One instance only (see the routes).
 */
final class PartnerSimVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PartnerSimVerticle.class);
  /** Re-listening after an outage retries once a second for this long, in case the port is slow to free. */
  private static final int MAX_LISTEN_ATTEMPTS = 30;
  private static final long LISTEN_RETRY_MS = 1_000;

  private final SimulatorOptions options;
  private final SimControls controls;
  private final GiftCardIssuer issuer;
  private final IssuanceRegistry registry;
  private final SimStats stats;
  private final Consumer<SimSettings> onChange = s -> context.runOnContext(v -> reconcile());

  private Router router;
  private HttpServer server;
  private volatile int port;
  private boolean stopped;
  private Future<Void> transitions = Future.succeededFuture();

  PartnerSimVerticle(SimulatorOptions options, SimControls controls, GiftCardIssuer issuer, IssuanceRegistry registry,
                     SimStats stats) {
    this.options = options;
    this.controls = controls;
    this.issuer = issuer;
    this.registry = registry;
    this.stats = stats;
    this.port = options.port();
  }

  int port() {
    return port;
  }

  @Override
  public Future<?> start() {
    router = Router.router(vertx);
    new PartnerSimRoutes(vertx, issuer, controls, registry, stats, options).mount(router);
    return listen(1).onSuccess(v -> {
      controls.onChange(onChange);
      reconcile(); // in case it starts inside a refuse outage
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    controls.removeListener(onChange);
    return transitions.transform(ignored -> server == null ? Future.succeededFuture() : server.close());
  }

  /** Brings listening in line with the settings; transitions run one after another, never overlapping. */
  private void reconcile() {
    if (stopped) {
      return;
    }
    transitions = transitions
        .compose(v -> stopped ? Future.<Void>succeededFuture() : step())
        .recover(e -> {
          log.error("event=partner_sim_listen_failed host={} port={} error=\"{}\"", options.host(), port, e.toString());
          return Future.succeededFuture();
        });
  }

  private Future<Void> step() {
    SimSettings s = controls.settings();
    Instant now = controls.now();
    boolean refuse = s.refusing(now);
    if (refuse && server != null) {
      HttpServer closing = server;
      server = null;
      log.warn("event=partner_sim_outage mode=refuse port={} until={}", port,
          s.outageEndsAt().map(Instant::toString).orElse("-"));
      wakeWhenOver(s, now);
      return closing.close();
    }
    if (refuse) {
      // A timer may fire a fraction of a millisecond before the end it was set for: look again then.
      wakeWhenOver(s, now);
      return Future.succeededFuture();
    }
    if (!refuse && server == null) {
      return listen(MAX_LISTEN_ATTEMPTS)
          .onSuccess(v -> log.info("event=partner_sim_outage_over port={}", port));
    }
    return Future.succeededFuture();
  }

  private void wakeWhenOver(SimSettings s, Instant now) {
    s.outageEndsAt().ifPresent(end -> {
      long nanos = Duration.between(now, end).toNanos();
      long millis = Math.max(1, (nanos + 999_999) / 1_000_000 + 1); // rounded up, never early
      vertx.timer(millis).onSuccess(v -> reconcile());
    });
  }

  private Future<Void> listen(int attempts) {
    // A held ("lost") response must outlive the idle timeout, or the server would end it early.
    int idleSeconds = (int) Math.max(120, options.timeoutHoldMs() / 1000 + 60);
    return vertx.createHttpServer(new HttpServerOptions()
            .setHost(options.host())
            .setPort(port)
            .setTcpNoDelay(true)
            .setIdleTimeout(idleSeconds))
        .requestHandler(router)
        .listen()
        .<Void>map(bound -> {
          server = bound;
          port = bound.actualPort();
          return null;
        })
        .recover(e -> attempts <= 1 || stopped
            ? Future.failedFuture(e)
            : vertx.timer(LISTEN_RETRY_MS).compose(v -> listen(attempts - 1)));
  }
}
