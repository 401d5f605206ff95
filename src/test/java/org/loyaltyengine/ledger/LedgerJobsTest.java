package org.loyaltyengine.ledger;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.ledger.EarningFixtures.onePointPerEuro;
import static org.loyaltyengine.ledger.EarningFixtures.purchase;
import static org.loyaltyengine.testing.Eventually.eventually;

/** The jobs run by themselves: nobody calls them in these tests. */
@DisplayName("Ledger jobs on their schedule")
class LedgerJobsTest {
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_RELEASE_EVERY_MS", "100", "LOYALTY_JOBS_EXPIRE_EVERY_MS", "100"));
    tenant = engine.createTenant("jobs");
    engine.send(HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json", onePointPerEuro().toBuffer());
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  private static JsonObject points(String member) {
    return engine.get("/v1/members/" + member + "/status", tenant.adminKey()).json().getJsonObject("points");
  }

  @Test
  @DisplayName("due pending points are released and due points expire without anyone asking, and the cached status follows")
  void jobsRunOnTheirOwn() throws Exception {
    engine.enrol(tenant.adminKey(), "waiting");
    engine.enrol(tenant.adminKey(), "expiring");
    engine.post("/v1/transactions", tenant.adminKey(), purchase("j-1", "expiring", 4_000));
    engine.send(HttpMethod.PUT, "/v1/settings", tenant.adminKey(), "application/json",
        new JsonObject().put("pendingDays", 30).put("expiry", new JsonObject().put("policy", "never")).toBuffer());
    engine.post("/v1/transactions", tenant.adminKey(), purchase("j-2", "waiting", 3_000));
    assertEquals(30, points("waiting").getLong("pending"));

    engine.execute("update point_lots set available_at = now() where cause_id = 'j-2'");
    engine.execute("update point_lots set expires_at = now() where cause_id = 'j-1'");
    assertTrue(eventually(5_000, () -> points("waiting").getLong("available") == 30), "released and the cache fenced");
    assertTrue(eventually(5_000, () -> points("expiring").getLong("available") == 0), "expired and the cache fenced");
    assertEquals(0, points("waiting").getLong("pending"));
    assertEquals(1, engine.queryLong("select count(*) from ledger_entries where kind = 'expire'"));
    assertEquals(0, engine.ledgerInvariantViolations());
  }
}
