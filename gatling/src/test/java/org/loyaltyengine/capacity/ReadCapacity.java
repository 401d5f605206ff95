package org.loyaltyengine.capacity;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.FeederBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;

import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.csv;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.feed;
import static io.gatling.javaapi.core.CoreDsl.rampConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.roundRobinSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * The reference scale test: the three member reads (status, profile, the last 10 transactions) taking turns on
 * random members of the seeder's CSV, the same workload as scripts/bench.sh reads.
 *
 * <p>{@code -Dmodel=closed} (default): {@code users} (1,500) concurrent users, each sending its next request as
 * soon as the previous one answered, ramped up over {@code ramp} seconds and held for {@code duration}.
 * Targets: ≥ 10,000 req/s, p90 ≤ 200 ms, no failed request.
 *
 * <p>{@code -Dmodel=open}: requests arrive at {@code rate} (6,000) per second whatever the answers, after a
 * linear ramp; latency then includes any queueing. Targets: p99 ≤ 30 ms, no failed request, the rate achieved.
 *
 * <p>{@code mvn gatling:test -Dgatling.simulationClass=org.loyaltyengine.capacity.ReadCapacity -DapiKey=...};
 * all parameters in {@link CapacitySettings} and docs/capacity.md.
 */
public class ReadCapacity extends Simulation {
  private final String model = System.getProperty("model", "closed");
  private final int users = CapacitySettings.integer("users", 1500);
  private final double rate = CapacitySettings.positive("rate", 6000);
  private final Duration ramp = CapacitySettings.seconds("ramp", 30);
  private final Duration duration = CapacitySettings.seconds("duration", 60);
  private final List<String> baseUrls = CapacitySettings.baseUrls();
  private final String csv = CapacitySettings.membersCsv();

  /**
   * Closed-model users loop until this moment: ramp + steady phase after the first user started, plus half a
   * second, so the injection (which replaces any user that ends) is over before they stop. 0 until then.
   */
  private final AtomicLong stopAtNanos = new AtomicLong();

  private final FeederBuilder<String> members = csv(csv).random();

  private final ChainBuilder readMix = feed(members).exec(roundRobinSwitch().on(
      exec(http("status").get("/v1/members/#{externalId}/status").check(status().is(200))),
      exec(http("profile").get("/v1/members/#{externalId}").check(status().is(200))),
      exec(http("transactions").get("/v1/members/#{externalId}/transactions?limit=10").check(status().is(200)))));

  public ReadCapacity() {
    boolean closed = switch (model) {
      case "closed" -> true;
      case "open" -> false;
      default -> throw new IllegalArgumentException("-Dmodel must be closed or open (got " + model + ")");
    };
    PopulationBuilder population;
    OptionalDouble p90;
    OptionalDouble p99;
    OptionalDouble minRps;
    if (closed) {
      if (users < 1) {
        throw new IllegalArgumentException("-Dusers must be at least 1");
      }
      population = scenario("read mix, closed loop")
          .asLongAs(session -> System.nanoTime() < stopAt()).on(readMix)
          .injectClosed(rampConcurrentUsers(0).to(users).during(ramp), constantConcurrentUsers(users).during(duration));
      p90 = CapacitySettings.threshold("p90Ms", 200);
      p99 = CapacitySettings.threshold("p99Ms");
      minRps = CapacitySettings.threshold("minRps", 10_000);
    } else {
      List<OpenInjectionStep> steps = new ArrayList<>();
      if (!ramp.isZero()) {
        steps.add(rampUsersPerSec(0).to(rate).during(ramp));
      }
      steps.add(constantUsersPerSec(rate).during(duration));
      population = scenario("read mix, open model").exec(readMix).injectOpen(steps);
      p90 = CapacitySettings.threshold("p90Ms");
      p99 = CapacitySettings.threshold("p99Ms", 30);
      // Allow 3 % below the scheduled mean: requests still in flight at the end are not counted.
      minRps = CapacitySettings.threshold("minRps", 0.97 * CapacitySettings.meanOpenRate(rate, ramp, duration));
    }
    setUp(population)
        .protocols(CapacitySettings.protocol(baseUrls, CapacitySettings.apiKey(), !closed))
        .assertions(CapacitySettings.assertions(p90, p99,
            CapacitySettings.threshold("maxErrorPct", 0), minRps))
        // A stalled server must not hold the run: every request times out after 10 s (gatling.conf).
        .maxDuration(ramp.plus(duration).plusSeconds(30));
  }

  private long stopAt() {
    long stop = stopAtNanos.get();
    if (stop == 0) {
      stopAtNanos.compareAndSet(0, System.nanoTime() + ramp.plus(duration).plusMillis(500).toNanos());
      stop = stopAtNanos.get();
    }
    return stop;
  }

  @Override
  public void before() {
    System.out.println(CapacitySettings.describe("ReadCapacity", "model " + model,
        model.equals("closed") ? users + " users" : rate + " req/s", "ramp " + ramp.toSeconds() + " s",
        "steady " + duration.toSeconds() + " s", "targets " + baseUrls, "members " + csv));
  }
}
