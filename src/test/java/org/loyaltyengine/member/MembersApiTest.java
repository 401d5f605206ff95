package org.loyaltyengine.member;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Members: enrolment, profile changes, status and profile reads")
class MembersApiTest {
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start();
    tenant = engine.createTenant("members");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @Test
  @DisplayName("enrolment stores every profile field and starts the member with zero points")
  void enrolmentStoresProfile() {
    Reply r = engine.post("/v1/members", tenant.adminKey(), new JsonObject()
        .put("externalId", "anna-1").put("email", "anna@example.com").put("phone", "+48 600 100 200")
        .put("firstName", "Anna").put("lastName", "Nowak").put("birthDate", "1990-04-01")
        .put("attributes", new JsonObject().put("city", "Krakow")));
    assertEquals(201, r.status());
    JsonObject m = r.json();
    assertEquals("anna-1", m.getString("externalId"));
    assertEquals("anna@example.com", m.getString("email"));
    assertEquals("1990-04-01", m.getString("birthDate"));
    assertEquals("Krakow", m.getJsonObject("attributes").getString("city"));
    assertEquals("active", m.getString("status"));
    assertEquals(new JsonObject().put("available", 0).put("pending", 0).put("lifetimeEarned", 0).put("expiringIn30Days", 0),
        m.getJsonObject("points"));
    assertEquals(0, m.getLong("transactionCount"));
    assertNotNull(m.getString("enrolledAt"));

    JsonObject profile = engine.get("/v1/members/anna-1", tenant.adminKey()).json();
    assertEquals(m, profile);
  }

  @Test
  @DisplayName("enrolling an existing externalId again is 409 member_exists and changes nothing")
  void duplicateEnrolmentIsConflict() {
    engine.post("/v1/members", tenant.adminKey(), new JsonObject().put("externalId", "dup-1").put("firstName", "First"));
    Reply again = engine.post("/v1/members", tenant.adminKey(), new JsonObject().put("externalId", "dup-1").put("firstName", "Second"));
    assertEquals(409, again.status());
    assertEquals("member_exists", again.errorCode());
    assertEquals("externalId", again.errorField());
    assertEquals("First", engine.get("/v1/members/dup-1", tenant.adminKey()).json().getString("firstName"));
  }

  @Test
  @DisplayName("status tells whether the member can earn and redeem, with tier and points")
  void statusShape() {
    engine.enrol(tenant.adminKey(), "status-1");
    JsonObject s = engine.get("/v1/members/status-1/status", tenant.adminKey()).json();
    assertEquals("status-1", s.getString("externalId"));
    assertEquals("active", s.getString("status"));
    assertTrue(s.getBoolean("canEarn"));
    assertFalse(s.getBoolean("canRedeem"), "nothing to redeem with zero points");
    assertTrue(s.containsKey("tier"));
    assertNull(s.getValue("tier"));
    assertEquals(0, s.getJsonObject("points").getLong("available"));
  }

  @Test
  @DisplayName("a member with points can redeem; blocking them stops both earning and redeeming")
  void blockingStopsEarningAndRedeeming() {
    engine.enrol(tenant.adminKey(), "blocked-1");
    engine.execute("update member_balances set available = 500, version = version + 1 where member_id = "
        + "(select id from members where external_id = 'blocked-1')");
    engine.patch("/v1/members/blocked-1", tenant.adminKey(), new JsonObject().put("firstName", "Bea")); // refresh cache
    assertTrue(engine.get("/v1/members/blocked-1/status", tenant.adminKey()).json().getBoolean("canRedeem"));

    Reply r = engine.patch("/v1/members/blocked-1", tenant.adminKey(), new JsonObject().put("status", "blocked"));
    assertEquals(200, r.status());
    JsonObject s = engine.get("/v1/members/blocked-1/status", tenant.adminKey()).json();
    assertEquals("blocked", s.getString("status"));
    assertFalse(s.getBoolean("canEarn"));
    assertFalse(s.getBoolean("canRedeem"));
  }

  @Test
  @DisplayName("PATCH changes only the fields sent; null clears an optional field")
  void patchIsPartial() {
    engine.post("/v1/members", tenant.adminKey(), new JsonObject().put("externalId", "patch-1")
        .put("firstName", "Jan").put("lastName", "Kowalski").put("email", "jan@example.com"));
    Reply r = engine.patch("/v1/members/patch-1", tenant.adminKey(),
        new JsonObject().put("lastName", "Nowak").putNull("email"));
    assertEquals(200, r.status());
    JsonObject m = engine.get("/v1/members/patch-1", tenant.adminKey()).json();
    assertEquals("Jan", m.getString("firstName"));
    assertEquals("Nowak", m.getString("lastName"));
    assertNull(m.getString("email"));
  }

  @Test
  @DisplayName("each change to a member is recorded as a domain event in the outbox, in the same transaction")
  void changesWriteOutboxEvents() {
    engine.enrol(tenant.adminKey(), "events-1");
    engine.patch("/v1/members/events-1", tenant.adminKey(), new JsonObject().put("status", "blocked"));
    long memberId = engine.queryLong("select id from members where external_id = 'events-1'");
    assertEquals(1, engine.queryLong("select count(*) from outbox where member_id = ? and event_type = 'member.enrolled'", memberId));
    assertEquals(1, engine.queryLong("select count(*) from outbox where member_id = ? and event_type = 'member.updated'", memberId));
    // the event's timestamp is in the API's one format (UTC, Z), like the profile's enrolledAt
    String enrolledAt = engine.outboxEvents().stream().filter(e -> "member.enrolled".equals(e.type())
        && "events-1".equals(e.memberExternalId())).findFirst().orElseThrow().payloadJson();
    String profileEnrolledAt = engine.get("/v1/members/events-1", tenant.adminKey()).json().getString("enrolledAt");
    assertEquals(profileEnrolledAt, new JsonObject(enrolledAt).getString("enrolledAt"));
    assertTrue(profileEnrolledAt.endsWith("Z"), profileEnrolledAt);
  }

  @Test
  @DisplayName("PATCH rejects empty changes, clearing the status, bad values and unknown members")
  void patchValidation() {
    engine.enrol(tenant.adminKey(), "patch-2");
    assertEquals("no_changes", engine.patch("/v1/members/patch-2", tenant.adminKey(), new JsonObject()).errorCode());
    Reply nullStatus = engine.patch("/v1/members/patch-2", tenant.adminKey(), new JsonObject().putNull("status"));
    assertEquals(400, nullStatus.status());
    assertEquals("status", nullStatus.errorField());
    Reply badStatus = engine.patch("/v1/members/patch-2", tenant.adminKey(), new JsonObject().put("status", "gone"));
    assertEquals("status", badStatus.errorField());
    Reply missing = engine.patch("/v1/members/nobody", tenant.adminKey(), new JsonObject().put("firstName", "X"));
    assertEquals(404, missing.status());
    assertEquals("member_not_found", missing.errorCode());
  }

  @Test
  @DisplayName("enrolment validates each field and names the offending one")
  void enrolmentValidation() {
    assertField("externalId", new JsonObject().put("externalId", ""));
    assertField("externalId", new JsonObject().put("externalId", "x".repeat(65)));
    assertField("externalId", new JsonObject().put("externalId", "has space"));
    assertField("email", new JsonObject().put("externalId", "v1").put("email", "not-an-email"));
    assertField("phone", new JsonObject().put("externalId", "v1").put("phone", "call me"));
    assertField("birthDate", new JsonObject().put("externalId", "v1").put("birthDate", "01/02/1990"));
    assertField("birthDate", new JsonObject().put("externalId", "v1").put("birthDate", "2999-01-01"));
    assertField("attributes.tier", new JsonObject().put("externalId", "v1").put("attributes", new JsonObject().put("tier", 3)));
    assertField("attributes", new JsonObject().put("externalId", "v1").put("attributes", "flat"));
    Reply missing = engine.post("/v1/members", tenant.adminKey(), new JsonObject().put("email", "a@b.co"));
    assertEquals("missing_field", missing.errorCode());
    assertEquals("externalId", missing.errorField());
    assertEquals(0, engine.queryLong("select count(*) from members where external_id = 'v1'"), "no partial write");
  }

  private static void assertField(String field, JsonObject body) {
    Reply r = engine.post("/v1/members", tenant.adminKey(), body);
    assertEquals(400, r.status(), body.encode());
    assertEquals(field, r.errorField(), body.encode());
  }
}
