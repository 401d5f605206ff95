package org.loyaltyengine.ingest;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.ingest.IngestFixtures.awaitTrue;
import static org.loyaltyengine.ingest.IngestFixtures.basicRules;
import static org.loyaltyengine.ingest.IngestFixtures.batch;
import static org.loyaltyengine.ingest.IngestFixtures.purchase;

/**
 * Two worker nodes on one inbox: a separate JVM that owns every partition, killed with SIGKILL in the middle
 * of the work, and a second node that takes the partitions over. Nothing is lost and nothing applied twice.
 */
@DisplayName("Event batches: a worker node dies mid-work")
class IngestFailoverTest {
  static final int BATCHES = 20;
  static final int ITEMS = 500;
  static final int MEMBERS = 50;
  static TestEngine engine;
  static Tenant tenant;
  static String pos;

  @BeforeAll
  static void start() {
    // The owner only takes requests; the ingest workers run on the nodes below.
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_INGEST_ENABLED", "false",
        "LOYALTY_FULFILLMENT_ENABLED", "false"));
    tenant = engine.createTenant("failover");
    pos = engine.createKey(tenant.adminKey(), "pos");
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json",
        basicRules().toBuffer()).status());
    for (int m = 0; m < MEMBERS; m++) {
      engine.enrol(pos, "fo-" + m);
    }
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  /** SIGKILL (no shutdown hook: the leases go when PostgreSQL notices the dead sessions); the items applied by then. */
  private static long kill(Process node) throws InterruptedException {
    node.destroyForcibly();
    assertTrue(node.waitFor(30, TimeUnit.SECONDS));
    return engine.queryLong("select count(*) from inbox_items where status = 'applied'");
  }

  /** Ingest partition leases held in the test database right now (see AdvisoryLease for the keys). */
  static long leasesHeld() {
    StringBuilder keys = new StringBuilder();
    for (int p = 0; p < 4; p++) {
      keys.append(p == 0 ? "" : ",").append(Integer.toUnsignedLong(("ingest.partition." + p).hashCode()));
    }
    return engine.queryLong("select count(*) from pg_locks l join pg_database d on d.oid = l.database "
        + "where l.locktype = 'advisory' and l.granted and d.datname = current_database() "
        + "and l.classid = 1280268609 and l.objid::bigint in (" + keys + ")");
  }

  @Test
  @DisplayName("the surviving node takes over the dead node's partitions, and every purchase is applied exactly once")
  void survivorTakesOver() throws Exception {
    Map<String, String> worker = Map.of("LOYALTY_INGEST_ENABLED", "true", "LOYALTY_INGEST_LEASE_RETRY_MS", "200",
        "LOYALTY_INGEST_CHUNK_ITEMS", "200", "LOYALTY_HTTP_INSTANCES", "1", "LOYALTY_RULES_INSTANCES", "1");
    Process doomed = engine.startProcessNode("ingest-failover-doomed", worker);
    TestEngine survivor = null;
    try {
      // a JVM of its own: on a busy machine its start-up alone can take a minute
      awaitTrue(Duration.ofMinutes(3), () -> leasesHeld() == 4, () -> "the first node never took the 4 partitions");
      survivor = TestEngine.startNode(engine, worker);
      long expected = 0;
      long appliedAtKill = -1;
      for (int b = 0; b < BATCHES; b++) {
        List<JsonObject> items = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
          int k = b * ITEMS + i;
          items.add(purchase("fo-t-" + k, "fo-" + (k % MEMBERS), 100 + k));
          expected += (100 + k) / 100;
        }
        assertEquals(202, engine.post("/v1/event-batches", pos, batch("fo-b-" + b, items)).status());
        // The kill lands as soon as the first node has applied something, while batches are still arriving: on a
        // quiet machine it would otherwise finish all the work before the last batch is even posted.
        if (appliedAtKill < 0 && engine.queryLong("select count(*) from inbox_items where status = 'applied'") > 0) {
          appliedAtKill = kill(doomed);
        }
      }
      if (appliedAtKill < 0) {
        awaitTrue(Duration.ofSeconds(60), () -> engine.queryLong("select count(*) from inbox_items where status = 'applied'") > 0,
            () -> "the first node applied nothing");
        appliedAtKill = kill(doomed);
      }

      awaitTrue(Duration.ofMinutes(3), () -> engine.queryLong("select count(*) from inbox_items where status = 'pending'") == 0,
          () -> engine.queryLong("select count(*) from inbox_items where status = 'pending'") + " items still pending");
      assertTrue(appliedAtKill < BATCHES * ITEMS, "the kill came in the middle of the work (" + appliedAtKill + " applied)");
      assertEquals(BATCHES * ITEMS, engine.queryLong("select count(*) from inbox_items where status = 'applied'"));
      assertEquals(BATCHES * ITEMS, engine.queryLong("select count(*) from ledger_entries where cause_id like 'fo-t-%'"),
          "one ledger entry per purchase: nothing applied twice");
      assertEquals(expected, engine.queryLong("select sum(available) from member_balances"));
      assertEquals(0, engine.ledgerInvariantViolations());
    } finally {
      doomed.destroyForcibly();
      if (survivor != null) {
        survivor.close();
      }
    }
  }
}
