package org.loyaltyengine.fulfillment;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.fulfillment.sim.PartnerSimulator;
import org.loyaltyengine.fulfillment.sim.SimulatorOptions;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.fulfillment.FulfillmentFixtures.catalog;
import static org.loyaltyengine.testing.Eventually.eventually;
import static org.loyaltyengine.fulfillment.FulfillmentFixtures.memberWithPoints;
import static org.loyaltyengine.fulfillment.FulfillmentFixtures.redeem;

/** A worker process killed with SIGKILL while its partner calls are in flight leaves nothing stuck. */
@DisplayName("A fulfillment worker killed mid-batch")
class WorkerCrashTest {
  static Vertx simVertx;
  static PartnerSimulator sim;
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    simVertx = Vertx.vertx();
    sim = PartnerSimulator.start(simVertx, SimulatorOptions.onFreePort()).await();
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false"));
    tenant = engine.createTenant("crash");
    catalog(engine, tenant.adminKey(), sim.baseUrl(), 20);
  }

  @AfterAll
  static void stop() {
    engine.close();
    sim.close().await();
    simVertx.close().await();
  }

  @Test
  @DisplayName("its leased jobs are reclaimed when the lease ends and every redemption is fulfilled, no card twice")
  void jobsAreReclaimed() throws Exception {
    int n = 25;
    for (int i = 0; i < n; i++) {
      memberWithPoints(engine, tenant.adminKey(), "c-" + i, 10);
      redeem(engine, tenant.adminKey(), "crash-" + i, "c-" + i);
    }
    sim.controls().setLatencyMs(800); // calls stay in flight long enough to die in the middle of them
    Map<String, String> worker = Map.of("LOYALTY_FULFILLMENT_ENABLED", "true", "LOYALTY_JOBS_ENABLED", "false",
        "LOYALTY_FULFILLMENT_LEASE_MS", "3000", "LOYALTY_FULFILLMENT_POLL_MS", "50", "LOYALTY_HTTP_INSTANCES", "1",
        "LOYALTY_RULES_INSTANCES", "1");
    Process doomed = engine.startProcessNode("doomed-worker", worker);
    try {
      assertTrue(eventually(30_000, () -> engine.queryLong("select count(*) from fulfillment_jobs where status = 'leased'") > 0
          && sim.stats().get("batches") > 0), "the worker leased jobs and is calling the partner");
    } finally {
      doomed.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no lease given back
    }
    long leftBehind = engine.queryLong("select count(*) from fulfillment_jobs where status <> 'done'");
    assertTrue(leftBehind > 0, "the crash left jobs unfinished (else the test proves nothing)");

    sim.controls().setLatencyMs(0);
    try (TestEngine survivor = TestEngine.startNode(engine, Map.of("LOYALTY_JOBS_ENABLED", "false",
        "LOYALTY_FULFILLMENT_LEASE_MS", "3000", "LOYALTY_FULFILLMENT_POLL_MS", "50"))) {
      assertTrue(eventually(30_000, () -> engine.queryLong(
          "select count(*) from redemptions where redemption_id like 'crash-%' and status = 'fulfilled'") == n));
    }
    assertEquals(0, engine.queryLong("select count(*) from fulfillment_jobs where status <> 'done'"));
    Set<String> codes = new HashSet<>();
    for (int i = 0; i < n; i++) {
      var issued = sim.registry().find("crash-" + i).orElseThrow();
      assertEquals(1, issued.codes().size());
      assertTrue(codes.add(issued.codes().get(0)));
      assertEquals(issued.codes(), engine.get("/v1/redemptions/crash-" + i, tenant.adminKey()).json()
          .getJsonArray("codes").getList(), "the member got the card the partner issued, and only that one");
    }
    assertEquals(0, engine.ledgerInvariantViolations());
  }
}
