package org.loyaltyengine.capacity;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.FeederBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.Simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.csv;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.feed;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * Mixed traffic at a fixed arrival rate (open model, default 2,000 requests/s after a linear ramp): 60 % purchases
 * ({@code POST /v1/transactions}, each with a new transactionId), 30 % member status reads, 10 % redemptions
 * ({@code POST /v1/redemptions}, each with a new redemptionId) of a gift-card reward that the partner simulator
 * fulfils. Random members of the seeder's CSV. Targets: p99 ≤ 100 ms, no failed request, the rate achieved.
 *
 * <p>Set-up it expects (scripts/capacity.sh does it): the reward {@code rewardId} (default {@code gc-capacity})
 * exists, is cheap enough for every member to redeem it many times, and its partner points at a running partner
 * simulator; {@code apiKey} is a {@code pos} key. Parameters: {@link CapacitySettings}, plus {@code rate},
 * {@code rewardId}, {@code runId} and the mix in percent {@code earnPct} / {@code statusPct} / {@code redeemPct}.
 */
public class EarnAndRedeem extends Simulation {
  private final double rate = CapacitySettings.positive("rate", 2000);
  private final Duration ramp = CapacitySettings.seconds("ramp", 30);
  private final Duration duration = CapacitySettings.seconds("duration", 60);
  private final int earnPct = CapacitySettings.integer("earnPct", 60);
  private final int statusPct = CapacitySettings.integer("statusPct", 30);
  private final int redeemPct = CapacitySettings.integer("redeemPct", 10);
  private final String rewardId = System.getProperty("rewardId", "gc-capacity");
  private final String runId = CapacitySettings.runId();
  private final List<String> baseUrls = CapacitySettings.baseUrls();
  private final String csv = CapacitySettings.membersCsv();

  /** Ids unique within the run (and, through runId, across runs): every write is new, never a replay. */
  private final AtomicLong sequence = new AtomicLong();

  private final FeederBuilder<String> members = csv(csv).random();

  private final ChainBuilder earn = exec(http("earn").post("/v1/transactions")
      .body(StringBody(session -> Purchases.purchase("cap-" + runId + "-" + sequence.incrementAndGet(),
          session.getString("externalId"))))
      .asJson()
      .check(status().is(201)));

  private final ChainBuilder memberStatus = exec(http("status").get("/v1/members/#{externalId}/status")
      .check(status().is(200)));

  private final ChainBuilder redeem = exec(http("redeem").post("/v1/redemptions")
      .body(StringBody(session -> Purchases.redemption("capr-" + runId + "-" + sequence.incrementAndGet(),
          session.getString("externalId"), rewardId)))
      .asJson()
      .check(status().is(201)));

  public EarnAndRedeem() {
    if (earnPct + statusPct + redeemPct != 100) {
      throw new IllegalArgumentException("-DearnPct + -DstatusPct + -DredeemPct must add up to 100 (got "
          + earnPct + " + " + statusPct + " + " + redeemPct + ")");
    }
    List<OpenInjectionStep> steps = new ArrayList<>();
    if (!ramp.isZero()) {
      steps.add(rampUsersPerSec(0).to(rate).during(ramp));
    }
    steps.add(constantUsersPerSec(rate).during(duration));
    setUp(scenario("earn 60 / status 30 / redeem 10, open model")
        .exec(feed(members))
        .exec(randomSwitch().on(
            percent(earnPct).then(earn),
            percent(statusPct).then(memberStatus),
            percent(redeemPct).then(redeem)))
        .injectOpen(steps))
        .protocols(CapacitySettings.protocol(baseUrls, CapacitySettings.apiKey(), true))
        .assertions(CapacitySettings.assertions(
            CapacitySettings.threshold("p90Ms"),
            CapacitySettings.threshold("p99Ms", 100),
            CapacitySettings.threshold("maxErrorPct", 0),
            // 3 % below the scheduled mean: requests still in flight at the end are not counted.
            CapacitySettings.threshold("minRps", 0.97 * CapacitySettings.meanOpenRate(rate, ramp, duration))))
        .maxDuration(ramp.plus(duration).plusSeconds(30));
  }

  @Override
  public void before() {
    System.out.println(CapacitySettings.describe("EarnAndRedeem", rate + " req/s",
        "earn " + earnPct + " % / status " + statusPct + " % / redeem " + redeemPct + " %",
        "ramp " + ramp.toSeconds() + " s", "steady " + duration.toSeconds() + " s", "reward " + rewardId,
        "run " + runId, "targets " + baseUrls, "members " + csv));
  }
}
