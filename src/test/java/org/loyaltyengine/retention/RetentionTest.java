package org.loyaltyengine.retention;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;

@DisplayName("Retention and the audit trail")
class RetentionTest {
  private static TestEngine engine;

  @BeforeAll
  static void start() {
    // The relay is off: the tests decide which outbox rows are published, and a live relay would publish the
    // row kept unpublished on purpose, which the job may then prune.
    engine = TestEngine.start(Map.of("LOYALTY_RETENTION_EVERY_MS", "200", "LOYALTY_RETENTION_BATCH_ROWS", "7",
        "LOYALTY_RETENTION_LEASE_RETRY_MS", "200", "LOYALTY_RELAY_ENABLED", "false"));
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  private static JsonObject policy(int raw, int outbox, int webhooks, int audit) {
    return new JsonObject().put("rawEventsDays", raw).put("outboxDays", outbox).put("webhookDeliveriesDays", webhooks)
        .put("auditDays", audit);
  }

  @Test
  @DisplayName("a tenant that never set a policy gets the documented defaults")
  void defaults() {
    Tenant tenant = engine.createTenant("retention-defaults");
    JsonObject p = engine.get("/v1/settings/retention", tenant.adminKey()).json();
    assertEquals(90, p.getInteger("rawEventsDays"));
    assertEquals(7, p.getInteger("outboxDays"));
    assertEquals(30, p.getInteger("webhookDeliveriesDays"));
    assertEquals(365, p.getInteger("auditDays"));
  }

  @Test
  @DisplayName("a saved policy is returned as saved")
  void savesPolicy() {
    Tenant tenant = engine.createTenant("retention-save");
    Reply put = put("/v1/settings/retention", tenant.adminKey(), policy(30, 2, 10, 400));
    assertEquals(200, put.status(), put.body().toString());
    JsonObject p = engine.get("/v1/settings/retention", tenant.adminKey()).json();
    assertEquals(30, p.getInteger("rawEventsDays"));
    assertEquals(2, p.getInteger("outboxDays"));
    assertEquals(10, p.getInteger("webhookDeliveriesDays"));
    assertEquals(400, p.getInteger("auditDays"));
  }

  @Test
  @DisplayName("raw events are kept at least a week, since their ids are idempotency keys")
  void rawEventsMinimum() {
    Tenant tenant = engine.createTenant("retention-min");
    Reply r = put("/v1/settings/retention", tenant.adminKey(), policy(3, 2, 10, 400));
    assertEquals(400, r.status());
    assertEquals("rawEventsDays", r.errorField());
  }

  @Test
  @DisplayName("unknown and missing fields are refused, naming the field")
  void validation() {
    Tenant tenant = engine.createTenant("retention-bad");
    Reply unknown = put("/v1/settings/retention", tenant.adminKey(), policy(30, 2, 10, 400).put("ledgerDays", 5));
    assertEquals(400, unknown.status());
    assertEquals("ledgerDays", unknown.errorField());
    Reply missing = put("/v1/settings/retention", tenant.adminKey(), policy(30, 2, 10, 400).copy().put("auditDays", (Object) null));
    assertEquals(400, missing.status());
    assertEquals("auditDays", missing.errorField());
  }

  @Test
  @DisplayName("only admin keys see or change retention")
  void adminOnly() {
    Tenant tenant = engine.createTenant("retention-scope");
    String pos = engine.createKey(tenant.adminKey(), "pos");
    assertEquals(403, engine.get("/v1/settings/retention", pos).status());
    assertEquals(403, put("/v1/settings/retention", pos, policy(30, 2, 10, 400)).status());
  }

  @Test
  @DisplayName("published outbox rows, raw events and audit entries older than the tenant's retention are pruned; "
      + "unpublished rows, the ledger and other tenants' younger-than-retention data stay")
  void prunesOnlyWhatIsDue() {
    Tenant shortLived = engine.createTenant("retention-short");
    Tenant defaults = engine.createTenant("retention-long");
    assertEquals(200, put("/v1/settings/retention", shortLived.adminKey(), policy(7, 1, 1, 1)).status());
    for (Tenant t : new Tenant[] {shortLived, defaults}) {
      engine.enrol(t.adminKey(), "m-1");
      for (int i = 0; i < 20; i++) {
        Reply r = engine.post("/v1/members/m-1/events", t.adminKey(), new JsonObject().put("eventId", "e-" + i)
            .put("type", "app_login").put("occurredAt", Instant.now().minusSeconds(60).toString()));
        assertTrue(r.status() == 201, r.body().toString());
      }
      engine.createKey(t.adminKey(), "read"); // an audited admin call
    }
    UUID shortId = UUID.fromString(shortLived.id());
    UUID longId = UUID.fromString(defaults.id());
    long ledgerBefore = engine.queryLong("select count(*) from ledger_entries");
    long longOutbox = engine.queryLong("select count(*) from outbox where tenant_id = ?", longId);
    long longAudit = engine.queryLong("select count(*) from audit_log where tenant_id = ?", longId);
    // Age everything 3 days (past the short policy, within the defaults), and publish all but one outbox row —
    // in one statement: the job runs every 200 ms, and would prune the row kept unpublished if it ever saw it
    // aged and published.
    long unpublished = engine.queryLong("select max(id) from outbox where tenant_id = ?", shortId);
    engine.execute("update outbox set created_at = now() - interval '3 days', "
        + "published_at = case when id = ? then null else now() end where tenant_id in (?, ?)",
        unpublished, shortId, longId);
    for (String table : new String[] {"member_events", "audit_log"}) {
      engine.execute("update " + table + " set created_at = now() - interval '3 days' where tenant_id in (?, ?)",
          shortId, longId);
    }
    // The raw-event minimum is 7 days: age the short tenant's raw events past it.
    engine.execute("update member_events set created_at = now() - interval '8 days' where tenant_id = ?", shortId);

    awaitTrue(() -> engine.queryLong("select count(*) from outbox where tenant_id = ?", shortId) == 1
        && engine.queryLong("select count(*) from member_events where tenant_id = ?", shortId) == 0
        && engine.queryLong("select count(*) from audit_log where tenant_id = ?", shortId) == 0);

    assertEquals(unpublished, engine.queryLong("select id from outbox where tenant_id = ?", shortId),
        "an unpublished row is never pruned");
    assertEquals(longOutbox, engine.queryLong("select count(*) from outbox where tenant_id = ?", longId));
    assertEquals(20, engine.queryLong("select count(*) from member_events where tenant_id = ?", longId));
    assertTrue(longAudit > 0);
    assertEquals(longAudit, engine.queryLong("select count(*) from audit_log where tenant_id = ?", longId));
    assertEquals(ledgerBefore, engine.queryLong("select count(*) from ledger_entries"), "the ledger is never pruned");
    assertEquals(0, engine.ledgerInvariantViolations());
  }

  @Test
  @DisplayName("the audit trail lists successful admin changes, newest first, and not failed or non-admin calls")
  void auditTrail() {
    Tenant tenant = engine.createTenant("audit");
    String pos = engine.createKey(tenant.adminKey(), "pos");
    engine.enrol(pos, "by-pos"); // a pos key: not an admin change
    assertEquals(400, put("/v1/settings/retention", tenant.adminKey(), new JsonObject()).status());
    assertEquals(200, put("/v1/settings/retention", tenant.adminKey(), policy(30, 2, 10, 400)).status());
    awaitTrue(() -> engine.get("/v1/audit-log", tenant.adminKey()).json().getJsonArray("items").size() == 2);
    var entries = engine.get("/v1/audit-log", tenant.adminKey()).json().getJsonArray("items");
    JsonObject newest = entries.getJsonObject(0);
    assertEquals("PUT", newest.getString("method"));
    assertEquals("/v1/settings/retention", newest.getString("path"));
    assertEquals(200, newest.getInteger("status"));
    assertEquals("POST", entries.getJsonObject(1).getString("method"));
    assertEquals("/v1/api-keys", entries.getJsonObject(1).getString("path"));
  }

  @Test
  @DisplayName("the audit trail pages like every list: items, and nextCursor until the last page")
  void auditPaging() {
    Tenant tenant = engine.createTenant("audit-paging");
    for (int i = 0; i < 3; i++) {
      engine.createKey(tenant.adminKey(), "read");
    }
    awaitTrue(() -> engine.get("/v1/audit-log", tenant.adminKey()).json().getJsonArray("items").size() == 3);
    JsonObject first = engine.get("/v1/audit-log?limit=2", tenant.adminKey()).json();
    assertEquals(2, first.getJsonArray("items").size());
    JsonObject second = engine.get("/v1/audit-log?limit=2&cursor=" + first.getString("nextCursor"), tenant.adminKey()).json();
    assertEquals(1, second.getJsonArray("items").size());
    assertTrue(second.containsKey("nextCursor"));
    assertNull(second.getString("nextCursor"), "the last page says so");
    assertTrue(second.getJsonArray("items").getJsonObject(0).getLong("id")
        < first.getJsonArray("items").getJsonObject(1).getLong("id"), "the next page continues below the first");
    Reply bad = engine.get("/v1/audit-log?cursor=x", tenant.adminKey());
    assertEquals(400, bad.status());
    assertEquals("invalid_cursor", bad.errorCode());
  }

  @Test
  @DisplayName("finished webhook deliveries older than the retention are pruned; pending ones never are")
  void prunesFinishedWebhookDeliveries() {
    Tenant tenant = engine.createTenant("retention-webhooks");
    assertEquals(200, put("/v1/settings/retention", tenant.adminKey(), policy(30, 7, 2, 365)).status());
    Reply hook = engine.post("/v1/webhooks", tenant.adminKey(),
        new JsonObject().put("url", "http://127.0.0.1:9/hook").put("eventTypes", new io.vertx.core.json.JsonArray().add("*")));
    assertEquals(201, hook.status(), hook.body().toString());
    UUID tenantId = UUID.fromString(tenant.id());
    UUID hookId = UUID.fromString(hook.json().getString("id"));
    String[] statuses = {"delivered", "failed", "pending", "delivered"};
    String[] ages = {"5 days", "5 days", "5 days", "1 day"};
    for (int i = 0; i < statuses.length; i++) {
      engine.execute("insert into webhook_deliveries (tenant_id, subscription_id, event_id, event_type, ordering_key, "
          + "payload, status, next_attempt_at, created_at) values (?, ?, ?, 'points.earned', 'k', '{}', ?, now(), "
          + "now() - cast(? as interval))", tenantId, hookId, 1_000_000L + i, statuses[i], ages[i]);
    }
    awaitTrue(() -> engine.queryLong("select count(*) from webhook_deliveries where tenant_id = ?", tenantId) == 2);
    assertEquals(1, engine.queryLong("select count(*) from webhook_deliveries where tenant_id = ? and status = 'pending'", tenantId));
    assertEquals(1_000_003L, engine.queryLong("select event_id from webhook_deliveries where tenant_id = ? and status = 'delivered'", tenantId),
        "a delivery younger than the retention stays");
  }

  @Test
  @DisplayName("analytics forgets applied event ids only after its dedupe window")
  void prunesOldAnalyticsDedupeRows() {
    engine.execute("insert into analytics_applied_events (event_id, applied_at) values (?, now() - interval '40 days'), "
        + "(?, now() - interval '1 day')", 9_000_001L, 9_000_002L);
    awaitTrue(() -> engine.queryLong("select count(*) from analytics_applied_events where event_id = ?", 9_000_001L) == 0);
    assertEquals(1, engine.queryLong("select count(*) from analytics_applied_events where event_id = ?", 9_000_002L));
  }

  private static Reply put(String path, String key, JsonObject body) {
    return engine.send(io.vertx.core.http.HttpMethod.PUT, path, key, "application/json", body.toBuffer());
  }

  // A pruning run walks every tenant of the class's database, table by table, one short statement at a time on
  // one connection: with the suite's other classes busy it can take tens of seconds to reach the tenant asserted on.
  private static void awaitTrue(BooleanSupplier condition) {
    assertTrue(eventually(60_000, condition), "condition not reached within 60 s");
  }

}
