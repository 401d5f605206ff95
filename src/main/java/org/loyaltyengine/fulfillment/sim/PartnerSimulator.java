package org.loyaltyengine.fulfillment.sim;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A gift-card / wallet partner over real HTTP, for integration tests, the demo and capacity tests. Start one
 * in a test with {@link #start}; from the command line with {@code java -jar loyalty-engine.jar partner-sim}.
 * See docs/partner-simulator.md for the API.
 */
public final class PartnerSimulator {
  private final Vertx vertx;
  private final String deploymentId;
  private final PartnerSimVerticle verticle;
  private final SimulatorOptions options;
  private final SimControls controls;
  private final IssuanceRegistry registry;
  private final SimStats stats;

  private PartnerSimulator(Vertx vertx, String deploymentId, PartnerSimVerticle verticle, SimulatorOptions options,
                           SimControls controls, IssuanceRegistry registry, SimStats stats) {
    this.vertx = vertx;
    this.deploymentId = deploymentId;
    this.verticle = verticle;
    this.options = options;
    this.controls = controls;
    this.registry = registry;
    this.stats = stats;
  }

  /** Listens on {@code options.host():options.port()} (port 0: a free one); fails if it cannot listen. */
  public static Future<PartnerSimulator> start(Vertx vertx, SimulatorOptions options) {
    return start(vertx, options, Clock.systemUTC());
  }

  public static Future<PartnerSimulator> start(Vertx vertx, SimulatorOptions options, Clock clock) {
    long seed = options.randomSeed().orElseGet(() -> new Random().nextLong());
    SimControls controls = new SimControls(options.settings(), clock);
    SimStats stats = new SimStats();
    IssuanceRegistry registry = new IssuanceRegistry(options.maxKeys(), options.maxCodes(),
        new CodeGenerator(new Random(seed)), clock);
    // Separate streams, so changing a failure rate does not change which codes come out.
    GiftCardIssuer issuer = new GiftCardIssuer(controls, new FailurePolicy(new Random(~seed)), registry, stats);
    PartnerSimVerticle verticle = new PartnerSimVerticle(options, controls, issuer, registry, stats);
    return vertx.deployVerticle(verticle)
        .map(id -> new PartnerSimulator(vertx, id, verticle, options, controls, registry, stats));
  }

  /** The port it listens on (the same across "refuse" outages). */
  public int port() {
    return verticle.port();
  }

  public String host() {
    return options.host();
  }

  /** e.g. {@code http://127.0.0.1:9090}. */
  public String baseUrl() {
    return "http://" + host() + ":" + port();
  }

  /** The live settings: latency, failure rates, outage. */
  public SimControls controls() {
    return controls;
  }

  /** Every key and code so far, for assertions like "no code issued twice". */
  public IssuanceRegistry registry() {
    return registry;
  }

  public SimStats stats() {
    return stats;
  }

  /** Stops listening and forgets everything. */
  public Future<Void> close() {
    return vertx.undeploy(deploymentId);
  }

  /** {@code partner-sim [options]}: runs until killed. */
  public static void main(String[] args) {
    SimulatorOptions options = SimulatorOptions.parse(args, System.getenv());
    Vertx vertx = Vertx.vertx();
    PartnerSimulator simulator;
    try {
      simulator = start(vertx, options).await();
    } catch (Exception e) { // await rethrows the cause as is, checked ones (BindException) included
      System.err.println("loyalty-engine partner-sim: cannot listen on " + options.host() + ":" + options.port()
          + ": " + e.getMessage());
      vertx.close();
      System.exit(1);
      return;
    }
    System.out.println("partner-sim listening on " + simulator.host() + ":" + simulator.port());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // exiting anyway; the state was in memory only
      }
    }, "shutdown"));
  }
}
