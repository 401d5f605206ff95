package org.loyaltyengine.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every error is 4xx JSON {"error": {"code", "message", "field"}} with a stable code, never a 500. */
@DisplayName("Error contract")
class ErrorContractTest {
  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    engine = TestEngine.start();
    tenant = engine.createTenant("errors");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  private static Reply assertError(Reply r, int status, String code) {
    assertEquals(status, r.status(), r.body() == null ? "" : r.body().toString());
    assertTrue(r.headers().get("content-type").startsWith("application/json"));
    JsonObject error = r.json().getJsonObject("error");
    assertEquals(code, error.getString("code"));
    assertNotNull(error.getString("message"));
    assertTrue(error.containsKey("field"), "field is always present, null when not about a field");
    return r;
  }

  private static Reply postRaw(String path, String contentType, String body) {
    return engine.send(HttpMethod.POST, path, tenant.adminKey(), contentType, Buffer.buffer(body));
  }

  @Test
  @DisplayName("malformed JSON is 400 malformed_json")
  void malformedJson() {
    assertError(postRaw("/v1/members", "application/json", "{\"externalId\": "), 400, "malformed_json");
  }

  @Test
  @DisplayName("a JSON body that is not an object is 400 invalid_body")
  void nonObjectBody() {
    assertError(postRaw("/v1/members", "application/json", "[1,2]"), 400, "invalid_body");
    assertError(postRaw("/v1/members", "application/json", "\"text\""), 400, "invalid_body");
  }

  @Test
  @DisplayName("an empty body is 400 missing_body")
  void emptyBody() {
    assertError(postRaw("/v1/members", "application/json", ""), 400, "missing_body");
  }

  @Test
  @DisplayName("a wrong type is 400 invalid_field naming the field")
  void wrongType() {
    Reply r = assertError(postRaw("/v1/members", "application/json", "{\"externalId\": 42}"), 400, "invalid_field");
    assertEquals("externalId", r.errorField());
    Reply nested = assertError(postRaw("/v1/members", "application/json",
        "{\"externalId\": \"a\", \"attributes\": {\"k\": [1]}}"), 400, "invalid_field");
    assertEquals("attributes.k", nested.errorField());
  }

  @Test
  @DisplayName("an unknown field is 400 unknown_field naming it, so a misspelt field is never silently dropped")
  void unknownField() {
    Reply r = assertError(postRaw("/v1/members", "application/json", "{\"externalId\": \"a\", \"emial\": \"x@y.z\"}"),
        400, "unknown_field");
    assertEquals("emial", r.errorField());
  }

  @Test
  @DisplayName("a body over the size limit is 413 payload_too_large")
  void oversizedBody() {
    String big = "{\"externalId\": \"a\", \"firstName\": \"" + "x".repeat(70_000) + "\"}";
    assertError(postRaw("/v1/members", "application/json", big), 413, "payload_too_large");
  }

  @Test
  @DisplayName("a write without a JSON content type is 415 unsupported_media_type")
  void wrongContentType() {
    Reply r = assertError(postRaw("/v1/members", "text/plain", "{\"externalId\": \"a\"}"), 415, "unsupported_media_type");
    assertEquals("Content-Type", r.errorField());
    assertError(engine.send(HttpMethod.POST, "/v1/members", tenant.adminKey(), null,
        Buffer.buffer("{\"externalId\": \"a\"}")), 415, "unsupported_media_type");
    assertEquals(201, postRaw("/v1/members", "application/json; charset=utf-8", "{\"externalId\": \"ct-ok\"}").status());
  }

  @Test
  @DisplayName("an unknown route is 404 not_found and a wrong method is 405 method_not_allowed")
  void unknownRouteAndMethod() {
    assertError(engine.get("/v1/no-such-thing", tenant.adminKey()), 404, "not_found");
    assertError(engine.get("/nothing-here", null), 404, "not_found");
    assertError(engine.send(HttpMethod.PUT, "/v1/members/a/status", tenant.adminKey(), null, null), 405, "method_not_allowed");
    assertError(engine.delete("/v1/members", tenant.adminKey()), 405, "method_not_allowed");
  }

  @Test
  @DisplayName("bad query parameters are 400 with the parameter named")
  void badQuery() {
    engine.enrol(tenant.adminKey(), "q-1");
    for (String limit : new String[] {"0", "201", "abc", "-1", "1.5"}) {
      Reply r = assertError(engine.get("/v1/members/q-1/transactions?limit=" + limit, tenant.adminKey()), 400, "invalid_query");
      assertEquals("limit", r.errorField());
    }
    Reply cursor = assertError(engine.get("/v1/members/q-1/transactions?cursor=garbage!", tenant.adminKey()), 400, "invalid_cursor");
    assertEquals("cursor", cursor.errorField());
  }

  @Test
  @DisplayName("auth failures use the same shape")
  void authErrors() {
    assertError(engine.get("/v1/members/a/status", null), 401, "unauthorized");
    assertError(engine.send(HttpMethod.GET, "/v1/members/a/status", null, null, null,
        java.util.Map.of("Authorization", "Basic abc")), 401, "unauthorized");
  }

  @Test
  @DisplayName("an id the member rules would reject is simply not found when read")
  void implausibleIdsAreNotFound() {
    assertError(engine.get("/v1/members/" + "x".repeat(300) + "/status", tenant.adminKey()), 404, "member_not_found");
  }

  @Test
  @DisplayName("a NUL, a byte that is not UTF-8 or malformed %-encoding in a path or query is 400 with the error shape")
  void hostileTextInPathAndQuery() {
    assertError(engine.get("/v1/members/%00bad/status", tenant.adminKey()), 400, "invalid_path");
    assertError(engine.get("/v1/rewards/%ED%A0%80", tenant.adminKey()), 400, "invalid_path");
    assertError(engine.get("/v1/redemptions/a%zz", tenant.adminKey()), 400, "invalid_path");
    Reply query = assertError(engine.get("/v1/audit-log?before=%FF", tenant.adminKey()), 400, "invalid_query");
    assertEquals("before", query.errorField());
  }

  @Test
  @DisplayName("a NUL or a lone surrogate in any JSON string is 400 invalid_text naming the field, and nothing is stored")
  void hostileTextInBody() {
    Reply nul = assertError(postRaw("/v1/members", "application/json", "{\"externalId\": \"nul-1\", \"firstName\": \"A\\u0000\"}"),
        400, "invalid_text");
    assertEquals("firstName", nul.errorField());
    Reply surrogate = assertError(postRaw("/v1/members", "application/json", "{\"externalId\": \"sur-1\", \"attributes\": {\"x\": \"\\udc00\"}}"),
        400, "invalid_text");
    assertEquals("attributes.x", surrogate.errorField());
    assertEquals(404, engine.get("/v1/members/nul-1", tenant.adminKey()).status());
  }
}
