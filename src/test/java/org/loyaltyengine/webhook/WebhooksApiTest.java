package org.loyaltyengine.webhook;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.PgUrls;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.webhook.WebhookFixtures.adjust;
import static org.loyaltyengine.webhook.WebhookFixtures.subscribe;

/** The /v1/webhooks API. The dispatcher is off here, so deliveries stay queued where the tests can see them. */
@DisplayName("Webhooks API")
class WebhooksApiTest {
  static final String URL = "https://hooks.example.com/loyalty";
  static Vertx vertx;
  static TestEngine engine;
  static Pool pool;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_WEBHOOKS_ENABLED", "false", "LOYALTY_RELAY_ENABLED", "false"));
    pool = PgBuilder.pool().connectingTo(PgUrls.connectOptions(engine.env().get("LOYALTY_PG_URL"))).using(vertx).build();
  }

  @AfterAll
  static void stop() {
    engine.close();
    pool.close().await();
    vertx.close().await();
  }

  static Reply create(String key, JsonObject body) {
    return engine.post("/v1/webhooks", key, body);
  }

  static JsonObject body(String url, String... types) {
    return new JsonObject().put("url", url).put("eventTypes", new JsonArray(List.of(types)));
  }

  static void feed() {
    new WebhookConsumer(pool).handle(engine.outboxEvents()).await();
  }

  @Test
  @DisplayName("creation answers 201 with the id and the signing secret; reads never show the secret again")
  void createShowList() {
    Tenant tenant = engine.createTenant("api-create");
    Reply created = create(tenant.adminKey(), body(URL, "points.earned", "tier.changed").put("description", "CRM sync"));
    assertEquals(201, created.status());
    JsonObject hook = created.json();
    assertTrue(hook.getString("secret").startsWith("whsec_"));
    assertEquals(URL, hook.getString("url"));
    assertEquals(new JsonArray(List.of("points.earned", "tier.changed")), hook.getJsonArray("eventTypes"));
    assertEquals("CRM sync", hook.getString("description"));
    assertTrue(hook.getBoolean("active"));

    JsonObject shown = engine.get("/v1/webhooks/" + hook.getString("id"), tenant.adminKey()).json();
    assertEquals(hook.getString("id"), shown.getString("id"));
    assertFalse(shown.containsKey("secret"));
    JsonArray listed = engine.get("/v1/webhooks", tenant.adminKey()).json().getJsonArray("items");
    assertEquals(1, listed.size());
    assertFalse(listed.getJsonObject(0).containsKey("secret"));
  }

  @Test
  @DisplayName("a repeated Idempotency-Key returns the original webhook (200); the same key with another body is 409")
  void idempotentCreation() {
    Tenant tenant = engine.createTenant("api-idem");
    Map<String, String> key = Map.of("Idempotency-Key", "create-hook-1");
    Buffer request = body(URL, "*").toBuffer();
    Reply first = engine.send(HttpMethod.POST, "/v1/webhooks", tenant.adminKey(), "application/json", request, key);
    Reply again = engine.send(HttpMethod.POST, "/v1/webhooks", tenant.adminKey(), "application/json", request, key);
    assertEquals(201, first.status());
    assertEquals(200, again.status());
    assertEquals(first.json().getString("id"), again.json().getString("id"));
    assertEquals(first.json().getString("secret"), again.json().getString("secret"));
    assertEquals(1, engine.get("/v1/webhooks", tenant.adminKey()).json().getJsonArray("items").size());

    Reply other = engine.send(HttpMethod.POST, "/v1/webhooks", tenant.adminKey(), "application/json",
        body(URL + "/other", "*").toBuffer(), key);
    assertEquals(409, other.status());
    assertEquals("idempotency_conflict", other.errorCode());
    assertEquals("Idempotency-Key", other.errorField());
  }

  @Test
  @DisplayName("bad input gets a 4xx with a stable code and the offending field, and creates nothing")
  void validation() {
    Tenant tenant = engine.createTenant("api-validation");
    String key = tenant.adminKey();
    assertError(create(key, new JsonObject().put("eventTypes", new JsonArray().add("*"))), 400, "missing_field", "url");
    assertError(create(key, new JsonObject().put("url", URL)), 400, "missing_field", "eventTypes");
    assertError(create(key, body("ftp://example.com/x", "*")), 400, "invalid_url", "url");
    assertError(create(key, body("hooks.example.com", "*")), 400, "invalid_url", "url");
    assertError(create(key, body("https://user:pw@example.com/", "*")), 400, "invalid_url", "url");
    assertError(create(key, body(URL, "points.earned", "points.minted")), 400, "unknown_event_type", "eventTypes[1]");
    assertError(create(key, body(URL)), 400, "invalid_field", "eventTypes");
    assertError(create(key, body(URL, "*", "points.earned")), 400, "invalid_field", "eventTypes");
    assertError(create(key, new JsonObject().put("url", URL).put("eventTypes", "*")), 400, "invalid_field", "eventTypes");
    assertError(create(key, body(URL, "*").put("secret", "mine")), 400, "unknown_field", "secret");
    assertError(create(key, body(URL, "*").put("description", "x".repeat(501))), 400, "invalid_field", "description");
    assertError(engine.send(HttpMethod.POST, "/v1/webhooks", key, "text/plain", body(URL, "*").toBuffer()),
        415, "unsupported_media_type", "Content-Type");
    assertError(engine.send(HttpMethod.POST, "/v1/webhooks", key, "application/json", body(URL, "*").toBuffer(),
        Map.of("Idempotency-Key", "has spaces")), 400, "invalid_field", "Idempotency-Key");
    assertEquals(0, engine.queryLong("select count(*) from webhook_subscriptions where tenant_id = ?::uuid", tenant.id()));
  }

  @Test
  @DisplayName("a tenant may have at most 25 active webhooks; deleting one makes room")
  void limit() {
    Tenant tenant = engine.createTenant("api-limit");
    String last = null;
    for (int i = 0; i < WebhookRepository.MAX_ACTIVE_PER_TENANT; i++) {
      last = subscribe(engine, tenant.adminKey(), URL + "/" + i, "*").getString("id");
    }
    assertError(create(tenant.adminKey(), body(URL + "/extra", "*")), 409, "webhook_limit_reached", null);
    assertEquals(204, engine.delete("/v1/webhooks/" + last, tenant.adminKey()).status());
    assertEquals(201, create(tenant.adminKey(), body(URL + "/extra", "*")).status());
  }

  @Test
  @DisplayName("only admin keys manage webhooks")
  void adminOnly() {
    Tenant tenant = engine.createTenant("api-scopes");
    String hook = subscribe(engine, tenant.adminKey(), URL, "*").getString("id");
    for (String scope : List.of("pos", "read")) {
      String key = engine.createKey(tenant.adminKey(), scope);
      assertEquals(403, create(key, body(URL, "*")).status());
      assertEquals(403, engine.get("/v1/webhooks", key).status());
      assertEquals(403, engine.get("/v1/webhooks/" + hook + "/deliveries", key).status());
      assertEquals(403, engine.delete("/v1/webhooks/" + hook, key).status());
    }
    assertEquals(401, engine.get("/v1/webhooks", null).status());
  }

  @Test
  @DisplayName("another tenant's webhook is indistinguishable from a missing one, and never receives this tenant's events")
  void tenantIsolation() {
    Tenant owner = engine.createTenant("api-owner");
    Tenant other = engine.createTenant("api-other");
    String hook = subscribe(engine, owner.adminKey(), URL, "*").getString("id");
    String foreign = subscribe(engine, other.adminKey(), URL + "/other", "*").getString("id");
    for (String path : List.of("/v1/webhooks/" + hook, "/v1/webhooks/" + hook + "/deliveries")) {
      assertError(engine.get(path, other.adminKey()), 404, "webhook_not_found", null);
    }
    assertError(engine.delete("/v1/webhooks/" + hook, other.adminKey()), 404, "webhook_not_found", null);
    assertError(engine.get("/v1/webhooks/not-a-uuid", other.adminKey()), 404, "webhook_not_found", null);
    assertTrue(engine.get("/v1/webhooks/" + hook, owner.adminKey()).json().getBoolean("active"), "still there");
    JsonArray listed = engine.get("/v1/webhooks", other.adminKey()).json().getJsonArray("items");
    assertEquals(List.of(foreign), listed.stream().map(o -> ((JsonObject) o).getString("id")).toList());

    engine.enrol(owner.adminKey(), "iso-member");
    feed();
    assertEquals(1, engine.queryLong("select count(*) from webhook_deliveries where subscription_id = ?::uuid", hook));
    assertEquals(0, engine.queryLong("select count(*) from webhook_deliveries where subscription_id = ?::uuid", foreign));
  }

  @Test
  @DisplayName("the consumer queues each event once per matching webhook, only events after the webhook existed, and only a member's oldest is due")
  void consumerQueues() {
    Tenant tenant = engine.createTenant("api-consumer");
    engine.enrol(tenant.adminKey(), "early"); // before any webhook: not delivered
    String all = subscribe(engine, tenant.adminKey(), URL + "/all", "*").getString("id");
    String adjusted = subscribe(engine, tenant.adminKey(), URL + "/adj", "points.adjusted").getString("id");
    engine.enrol(tenant.adminKey(), "late");
    adjust(engine, tenant.adminKey(), "late", "c-1", 1);
    adjust(engine, tenant.adminKey(), "late", "c-2", 1);
    feed();
    feed(); // at least once: the repeat adds nothing
    assertEquals(3, engine.queryLong("select count(*) from webhook_deliveries where subscription_id = ?::uuid", all));
    assertEquals(2, engine.queryLong("select count(*) from webhook_deliveries where subscription_id = ?::uuid", adjusted));
    List<JsonObject> log = items(engine.get("/v1/webhooks/" + all + "/deliveries", tenant.adminKey()));
    assertEquals(List.of("points.adjusted", "points.adjusted", "member.enrolled"),
        log.stream().map(d -> d.getString("eventType")).toList(), "newest first");
    assertNotNull(log.get(2).getString("nextAttemptAt"), "the member's oldest delivery is due");
    assertNull(log.get(1).getString("nextAttemptAt"), "the later ones wait for it");
    assertNull(log.get(0).getString("nextAttemptAt"));
    assertEquals("late", log.get(2).getJsonObject("payload").getString("externalId"));
  }

  @Test
  @DisplayName("the delivery log pages newest first with a cursor and filters by status")
  void deliveryLogPaging() {
    Tenant tenant = engine.createTenant("api-log");
    String hook = subscribe(engine, tenant.adminKey(), URL, "*").getString("id");
    for (int i = 0; i < 5; i++) {
      engine.enrol(tenant.adminKey(), "log-" + i);
    }
    feed();
    engine.execute("update webhook_deliveries set status = 'delivered', delivered_at = now(), attempts = 1 "
        + "where subscription_id = ?::uuid and event_id = (select min(event_id) from webhook_deliveries where subscription_id = ?::uuid)",
        hook, hook);
    String base = "/v1/webhooks/" + hook + "/deliveries";
    List<Long> ids = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = engine.get(base + "?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), tenant.adminKey()).json();
      page.getJsonArray("items").forEach(o -> ids.add(((JsonObject) o).getLong("deliveryId")));
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null);
    assertEquals(3, pages);
    assertEquals(5, ids.size());
    assertEquals(ids.stream().sorted(java.util.Comparator.reverseOrder()).toList(), ids, "newest first, none twice");

    assertEquals(4, items(engine.get(base + "?status=pending", tenant.adminKey())).size());
    List<JsonObject> delivered = items(engine.get(base + "?status=delivered", tenant.adminKey()));
    assertEquals(1, delivered.size());
    assertEquals(ids.get(4), delivered.get(0).getLong("deliveryId"));
    assertError(engine.get(base + "?status=lost", tenant.adminKey()), 400, "invalid_query", "status");
    assertError(engine.get(base + "?cursor=zzz", tenant.adminKey()), 400, "invalid_cursor", "cursor");
    assertError(engine.get(base + "?limit=0", tenant.adminKey()), 400, "invalid_query", "limit");
  }

  static List<JsonObject> items(Reply r) {
    assertEquals(200, r.status(), () -> r.body().toString());
    return r.json().getJsonArray("items").stream().map(JsonObject.class::cast).toList();
  }

  static void assertError(Reply r, int status, String code, String field) {
    assertEquals(status, r.status(), () -> r.body().toString());
    assertEquals(code, r.errorCode());
    assertEquals(field, r.errorField());
  }
}
