package org.loyaltyengine.fulfillment;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.fulfillment.sim.Issuance;
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

/** Fulfillment against the real partner simulator over HTTP. */
@DisplayName("Fulfillment through a partner")
class FulfillmentTest {
  static Vertx simVertx;
  static PartnerSimulator sim;
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    simVertx = Vertx.vertx();
    sim = PartnerSimulator.start(simVertx, SimulatorOptions.onFreePort()).await();
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_POLL_MS", "50",
        "LOYALTY_FULFILLMENT_BACKOFF_BASE_MS", "50", "LOYALTY_FULFILLMENT_BACKOFF_CAP_MS", "300",
        "LOYALTY_FULFILLMENT_CIRCUIT_FAILURES_TO_OPEN", "3", "LOYALTY_FULFILLMENT_CIRCUIT_RESET_MS", "500"));
    tenant = engine.createTenant("fulfillment");
    catalog(engine, tenant.adminKey(), sim.baseUrl(), 20);
  }

  @AfterEach
  void partnerBackToNormal() {
    sim.controls().setOutage(false);
    sim.controls().setPermanentErrorRate(0);
    sim.controls().setErrorRate(0);
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  @AfterAll
  static void stop() {
    engine.close();
    sim.close().await();
    simVertx.close().await();
  }

  static String status(String redemptionId) {
    return engine.get("/v1/redemptions/" + redemptionId, tenant.adminKey()).json().getString("status");
  }

  @Test
  @DisplayName("a gift card is issued by the partner and the redemption becomes fulfilled with the partner's codes")
  void fulfilled() throws Exception {
    memberWithPoints(engine, tenant.adminKey(), "happy", 10);
    redeem(engine, tenant.adminKey(), "ok-1", "happy");
    assertTrue(eventually(5_000, () -> status("ok-1").equals("fulfilled")));
    JsonArray codes = engine.get("/v1/redemptions/ok-1", tenant.adminKey()).json().getJsonArray("codes");
    Issuance issued = sim.registry().find("ok-1").orElseThrow();
    assertEquals(issued.codes(), codes.getList());
  }

  @Test
  @DisplayName("partner outage: the circuit opens, redemptions are still accepted, all are fulfilled after recovery, none twice")
  void outageAndRecovery() throws Exception {
    sim.controls().setOutage(true);
    int n = 30;
    for (int i = 0; i < n; i++) {
      memberWithPoints(engine, tenant.adminKey(), "out-" + i, 10);
      redeem(engine, tenant.adminKey(), "outage-" + i, "out-" + i);
    }
    assertTrue(eventually(10_000, () -> engine.get("/health/ready", null).json().getJsonArray("checks").stream()
        .map(JsonObject.class::cast).anyMatch(c -> c.getString("id").equals("partners")
            && c.getJsonObject("data").getBoolean("degraded"))), "the open circuit shows as degraded");
    assertEquals(200, engine.get("/health/ready", null).status(), "degraded, not down");
    Thread.sleep(1_500); // the outage lasts: jobs wait, nothing is refunded
    assertEquals(0, engine.queryLong("select count(*) from redemptions where redemption_id like 'outage-%' and status <> 'pending'"));
    assertEquals(0, engine.queryLong("select count(*) from ledger_entries where kind = 'refund'"));

    sim.controls().setOutage(false);
    assertTrue(eventually(20_000, () -> engine.queryLong(
        "select count(*) from redemptions where redemption_id like 'outage-%' and status = 'fulfilled'") == n));
    Set<String> codes = new HashSet<>();
    for (int i = 0; i < n; i++) {
      Issuance issued = sim.registry().find("outage-" + i).orElseThrow();
      assertEquals(1, issued.codes().size());
      assertTrue(codes.add(issued.codes().get(0)), "no code issued twice");
    }
    assertEquals(0, engine.queryLong("select count(*) from fulfillment_jobs where status <> 'done'"), "nothing stuck");
  }

  @Test
  @DisplayName("a partner that rejects every card: each redemption fails and its points come back exactly once")
  void permanentRejectionsRefundOnce() throws Exception {
    sim.controls().setPermanentErrorRate(1.0);
    int n = 20;
    for (int i = 0; i < n; i++) {
      memberWithPoints(engine, tenant.adminKey(), "rej-" + i, 25);
      redeem(engine, tenant.adminKey(), "reject-" + i, "rej-" + i);
    }
    assertTrue(eventually(10_000, () -> engine.queryLong(
        "select count(*) from redemptions where redemption_id like 'reject-%' and status = 'failed'") == n));
    Thread.sleep(500); // any late duplicate settlement would land now
    assertEquals(n, engine.queryLong("select count(*) from ledger_entries where kind = 'refund' and cause_id like 'reject-%'"));
    for (int i = 0; i < n; i++) {
      assertEquals(25, engine.get("/v1/members/rej-" + i + "/status", tenant.adminKey()).json()
          .getJsonObject("points").getLong("available"), "all points back, once");
    }
    JsonObject failed = engine.get("/v1/redemptions/reject-0", tenant.adminKey()).json();
    assertEquals(10, failed.getLong("pointsRefunded"));
    assertTrue(failed.getString("failureReason").startsWith("rejected by partner"));
    assertEquals(2, failed.getJsonArray("history").size(), "pending, then failed");
  }

  @Test
  @DisplayName("transient errors are retried with backoff until the card is issued")
  void transientErrorsAreRetried() throws Exception {
    sim.controls().setErrorRate(0.7);
    for (int i = 0; i < 10; i++) {
      memberWithPoints(engine, tenant.adminKey(), "flaky-" + i, 10);
      redeem(engine, tenant.adminKey(), "flaky-" + i, "flaky-" + i);
    }
    assertTrue(eventually(20_000, () -> engine.queryLong(
        "select count(*) from redemptions where redemption_id like 'flaky-%' and status = 'fulfilled'") == 10));
    assertTrue(engine.queryLong("select max(attempts) from fulfillment_jobs where redemption_id like 'flaky-%'") > 1,
        "at least one job needed a retry");
  }
}
