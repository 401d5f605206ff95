package org.loyaltyengine.ingest;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.ingest.IngestFixtures.batch;
import static org.loyaltyengine.ingest.IngestFixtures.event;
import static org.loyaltyengine.ingest.IngestFixtures.purchase;

/** Intake only: the workers are off, so accepted items stay pending and nothing but the inbox is written. */
@DisplayName("Event batches: intake")
class EventBatchIntakeTest {
  static TestEngine engine;
  static Tenant tenant;
  static String pos;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_INGEST_ENABLED", "false", "LOYALTY_JOBS_ENABLED", "false"));
    tenant = engine.createTenant("intake");
    pos = engine.createKey(tenant.adminKey(), "pos");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  private static long inboxItems(String batchId) {
    return engine.queryLong("select count(*) from inbox_items i join event_batches b on b.id = i.batch "
        + "where b.batch_id = ?", batchId);
  }

  @Test
  @DisplayName("a valid batch is stored and answered 202 with its id, the accepted count and where to follow it")
  void accepted() {
    Reply r = engine.post("/v1/event-batches", pos, batch("b-ok", List.of(
        purchase("t-ok-1", "anyone", 1000), event("e-ok-1", "anyone", "app_login"))));
    assertEquals(202, r.status(), r.body().toString());
    assertEquals("b-ok", r.json().getString("batchId"));
    assertEquals(2, r.json().getInteger("accepted"));
    assertEquals("/v1/event-batches/b-ok", r.json().getString("statusUrl"));
    assertEquals("/v1/event-batches/b-ok", r.headers().get("location"));
    assertEquals(2, inboxItems("b-ok"));
  }

  @Test
  @DisplayName("the backlog gauge's reading: the pending items (counted up to a cap) and the oldest one's age, from each partition's first item")
  void backlogReading() {
    engine.post("/v1/event-batches", pos, batch("b-backlog", List.of(purchase("t-bl-1", "m-bl-1", 1000),
        purchase("t-bl-2", "m-bl-2", 1000), event("e-bl-1", "m-bl-3", "app_login"))));
    long pending = engine.queryLong("select count(*) from inbox_items where status = 'pending'");
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool()
        .connectingTo(TestEngine.PG_SERVER + engine.database).using(vertx).build();
    try {
      io.vertx.sqlclient.Row r = new InboxRepository(pool).backlog(4).await();
      assertEquals(pending, r.getLong("depth"));
      long age = r.getLong("oldest_age_s");
      org.junit.jupiter.api.Assertions.assertTrue(age >= 0 && age < 600, "the oldest pending item's age: " + age);
      assertEquals(0, new InboxRepository(pool).backlog(0).await().getLong("oldest_age_s"),
          "no partition, no pending item found: age 0");
    } finally {
      pool.close().await();
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("a batch not yet worked on reports status accepted with every item pending")
  void progressWhileAccepted() {
    engine.post("/v1/event-batches", pos, batch("b-wait", List.of(purchase("t-wait-1", "anyone", 1000))));
    JsonObject p = engine.get("/v1/event-batches/b-wait", pos).json();
    assertEquals("accepted", p.getString("status"));
    assertEquals(1, p.getInteger("items"));
    assertEquals(1, p.getJsonObject("counts").getInteger("pending"));
    assertEquals(0, p.getJsonObject("counts").getInteger("applied"));
    assertNotNull(p.getString("acceptedAt"));
    assertEquals(null, p.getString("finishedAt"));
    assertEquals(new JsonArray(), p.getJsonArray("errors"));
  }

  @Test
  @DisplayName("the same batchId with the same items again is 202 with the same batch, stored once")
  void replaySameBatch() {
    JsonObject body = batch("b-replay", List.of(purchase("t-r-1", "m1", 500), event("e-r-1", "m1", "app_login")));
    Reply first = engine.post("/v1/event-batches", pos, body);
    // the same content written differently (key order) is the same batch
    JsonObject reordered = new JsonObject().put("items", body.getJsonArray("items")).put("batchId", "b-replay");
    Reply again = engine.post("/v1/event-batches", pos, reordered);
    assertEquals(202, first.status());
    assertEquals(202, again.status());
    assertEquals(first.json(), again.json());
    assertEquals(2, inboxItems("b-replay"));
  }

  @Test
  @DisplayName("the same batchId with other items is 409 idempotency_conflict on batchId, and changes nothing")
  void replayDifferentBatch() {
    engine.post("/v1/event-batches", pos, batch("b-conflict", List.of(purchase("t-c-1", "m1", 500))));
    Reply r = engine.post("/v1/event-batches", pos, batch("b-conflict", List.of(purchase("t-c-1", "m1", 501))));
    assertEquals(409, r.status());
    assertEquals("idempotency_conflict", r.errorCode());
    assertEquals("batchId", r.errorField());
    assertEquals(1, inboxItems("b-conflict"));
  }

  @Test
  @DisplayName("a bad item anywhere refuses the whole batch with 400 naming the field inside the batch; nothing is stored")
  void invalidItemNamesItsField() {
    List<JsonObject> items = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      items.add(purchase("t-bad-" + i, "m1", 100));
    }
    items.get(17).put("total", 12.5);
    Reply r = engine.post("/v1/event-batches", pos, batch("b-bad", items));
    assertEquals(400, r.status());
    assertEquals("items[17].total", r.errorField());
    assertTrue(r.json().getJsonObject("error").getString("message").startsWith("items[17].total "),
        r.body().toString());
    assertEquals(0, engine.queryLong("select count(*) from event_batches where batch_id = 'b-bad'"));
    assertEquals(0, engine.queryLong("select count(*) from inbox_items where item_id like 't-bad-%'"));
  }

  @Test
  @DisplayName("item validation is the synchronous API's, with paths inside the batch")
  void itemValidation() {
    assertEquals("items[0].items[0].quantity", refusedField(purchase("t-v-1", "m1", 100)
        .put("items", new JsonArray().add(new JsonObject().put("sku", "A").put("quantity", 0).put("amount", 1)))));
    assertEquals("items[0].occurredAt", refusedField(purchase("t-v-2", "m1", 100)
        .put("occurredAt", Instant.now().plusSeconds(86_400).toString())));
    assertEquals("items[0].transactionId", refusedField(purchase("t v 3", "m1", 100)));
    assertEquals("items[0].colour", refusedField(purchase("t-v-4", "m1", 100).put("colour", "red")));
    assertEquals("items[0].eventType", refusedField(event("e-v-1", "m1", "not a type!")));
    assertEquals("items[0].eventType", refusedField(event("e-v-2", "m1", "x").putNull("eventType")));
    assertEquals("items[0].memberExternalId", refusedField(event("e-v-3", "m1", "app_login").putNull("memberExternalId")));
    assertEquals("items[0].attributes.city", refusedField(event("e-v-4", "m1", "app_login")
        .put("attributes", new JsonObject().put("city", 42))));
    assertEquals("items[0].type", refusedField(new JsonObject().put("type", "refund").put("amount", 1)));
    assertEquals("items[0].type", refusedField(new JsonObject().put("transactionId", "t-v-5")));
    assertEquals(0, engine.queryLong("select count(*) from inbox_items where item_id like '%-v-%'"));
  }

  private static String refusedField(JsonObject item) {
    Reply r = engine.post("/v1/event-batches", pos, batch(null, List.of(item)));
    assertEquals(400, r.status(), r.body().toString());
    return r.errorField();
  }

  @Test
  @DisplayName("a batch holds 1 to 1,000 items")
  void itemCountBounds() {
    Reply empty = engine.post("/v1/event-batches", pos, batch("b-empty", List.of()));
    assertEquals(400, empty.status());
    assertEquals("items", empty.errorField());
    List<JsonObject> tooMany = new ArrayList<>();
    for (int i = 0; i < 1001; i++) {
      tooMany.add(event("e-many-" + i, "m1", "app_login"));
    }
    Reply r = engine.post("/v1/event-batches", pos, batch("b-many", tooMany));
    assertEquals(400, r.status());
    assertEquals("items", r.errorField());
    Reply full = engine.post("/v1/event-batches", pos, batch("b-full", tooMany.subList(0, 1000)));
    assertEquals(202, full.status(), full.body().toString());
    assertEquals(1000, inboxItems("b-full"));
  }

  @Test
  @DisplayName("a batch without batchId gets a generated one it can be followed by")
  void generatedBatchId() {
    Reply r = engine.post("/v1/event-batches", pos, batch(null, List.of(event("e-gen-1", "m1", "app_login"))));
    assertEquals(202, r.status());
    String id = r.json().getString("batchId");
    assertEquals(200, engine.get("/v1/event-batches/" + id, pos).status());
  }

  @Test
  @DisplayName("malformed bodies get JSON errors: not JSON, not an object, items not objects, bad batchId")
  void malformedBodies() {
    Reply notJson = engine.send(HttpMethod.POST, "/v1/event-batches", pos, "application/json", Buffer.buffer("{"));
    assertEquals(400, notJson.status());
    assertEquals("malformed_json", notJson.errorCode());
    Reply notObjects = engine.post("/v1/event-batches", pos, new JsonObject().put("items", new JsonArray().add(1)));
    assertEquals("items[0]", notObjects.errorField());
    Reply badId = engine.post("/v1/event-batches", pos, batch("no spaces", List.of(event("e-x", "m1", "a"))));
    assertEquals("batchId", badId.errorField());
    Reply unknown = engine.post("/v1/event-batches", pos, batch("b-u", List.of(event("e-y", "m1", "a"))).put("x", 1));
    assertEquals("x", unknown.errorField());
  }

  @Test
  @DisplayName("GET of an unknown batch, or of another tenant's, is 404 batch_not_found")
  void unknownBatch() {
    engine.post("/v1/event-batches", pos, batch("b-mine", List.of(event("e-mine", "m1", "app_login"))));
    Tenant other = engine.createTenant("intake-other");
    Reply theirs = engine.get("/v1/event-batches/b-mine", other.adminKey());
    assertEquals(404, theirs.status());
    assertEquals("batch_not_found", theirs.errorCode());
    assertEquals(404, engine.get("/v1/event-batches/nope", pos).status());
  }

  @Test
  @DisplayName("posting needs a pos or admin key; a read key may follow a batch but not post one")
  void scopes() {
    String read = engine.createKey(tenant.adminKey(), "read");
    Reply post = engine.post("/v1/event-batches", read, batch("b-read", List.of(event("e-read", "m1", "app_login"))));
    assertEquals(403, post.status());
    engine.post("/v1/event-batches", tenant.adminKey(), batch("b-admin", List.of(event("e-admin", "m1", "app_login"))));
    assertEquals(200, engine.get("/v1/event-batches/b-admin", read).status());
    assertEquals(401, engine.post("/v1/event-batches", "lk_nope", batch("b-anon", List.of())).status());
  }
}
