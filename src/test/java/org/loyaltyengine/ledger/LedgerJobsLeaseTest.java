package org.loyaltyengine.ledger;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.loyaltyengine.testing.TestEngine;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;

/** Two plain (unclustered) nodes on one database: the ledger jobs run on one of them at a time. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayName("The ledger jobs as a singleton")
class LedgerJobsLeaseTest {
  static final Map<String, String> SETTINGS = Map.of("LOYALTY_JOBS_LEASE_RETRY_MS", "200", "LOYALTY_FULFILLMENT_ENABLED", "false");
  static TestEngine first;
  static TestEngine second;

  @BeforeAll
  static void start() {
    first = TestEngine.start(SETTINGS);
    second = TestEngine.startNode(first, SETTINGS);
  }

  @AfterAll
  static void stop() {
    second.close();
    first.close();
  }

  static boolean holds(TestEngine node) {
    JsonArray checks = node.get("/health/ready", null).json().getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      JsonObject check = checks.getJsonObject(i);
      if (check.getString("id").equals("singletons")) {
        return check.getJsonObject("data").getJsonArray("held").contains(LedgerJobsVerticle.LEASE);
      }
    }
    throw new AssertionError("no singletons check in readiness");
  }

  @Test
  @Order(1)
  @DisplayName("exactly one node holds the ledger-jobs lease, and its metric and readiness say so")
  void oneHolder() throws InterruptedException {
    assertTrue(eventually(5_000, () -> holds(first) ^ holds(second)));
    TestEngine holder = holds(first) ? first : second;
    TestEngine other = holder == first ? second : first;
    assertTrue(holder.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString().contains("loyalty_singleton_held{lease=\"ledger.jobs\"} 1.0"));
    assertTrue(other.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString().contains("loyalty_singleton_held{lease=\"ledger.jobs\"} 0.0"));
  }

  @Test
  @Order(2)
  @DisplayName("when the holder stops, the other node takes the jobs over within its retry interval")
  void takeOver() throws InterruptedException {
    TestEngine holder = holds(first) ? first : second;
    TestEngine other = holder == first ? second : first;
    holder.stopServer();
    // 200 ms retry; the rest of the deadline is slack for a busy machine
    assertTrue(eventually(2_000, () -> holds(other)), "taken over");
  }
}
