package org.loyaltyengine.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.ContractCheck;
import org.loyaltyengine.testing.ContractCheck.Exchange;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The suite-wide contract check itself: what it lets through and what it stops, with a message that says why. */
class ContractCheckTest {
  private static final Map<String, String> JSON = Map.of("content-type", "application/json");
  private static final String STATUS = """
      {"externalId":"anna-1","status":"active","canEarn":true,"canRedeem":false,"tier":null,
       "points":{"available":0,"pending":0,"lifetimeEarned":0}}""";

  private static Exchange get(String uri, int status, String body) {
    return new Exchange(HttpMethod.GET, uri, Map.of(), null, status, JSON, body == null ? null : Buffer.buffer(body));
  }

  @Test
  @DisplayName("a reply the contract describes passes")
  void describedReplyPasses() {
    assertDoesNotThrow(() -> ContractCheck.verify(get("/v1/members/anna-1/status", 200, STATUS)));
  }

  @Test
  @DisplayName("a field the contract does not describe fails, naming the method, path, status and field")
  void undocumentedFieldFails() {
    String body = STATUS.replace("\"canEarn\":true", "\"canEarn\":true,\"surprise\":1");
    AssertionError e = assertThrows(AssertionError.class,
        () -> ContractCheck.verify(get("/v1/members/anna-1/status", 200, body)));
    assertTrue(e.getMessage().contains("GET /v1/members/anna-1/status → 200"), e.getMessage());
    assertTrue(e.getMessage().contains("surprise"), e.getMessage());
  }

  @Test
  @DisplayName("a timestamp with +00:00 instead of Z fails")
  void offsetTimestampFails() {
    String body = """
        {"items":[{"id":"3f0e7c3a-9d1b-4a43-9a57-0d2b6b5a2b11","name":"k","keyPrefix":"lk_abc","scopes":["pos"],
        "createdAt":"2026-11-22T10:15:30+00:00","revokedAt":null}],"nextCursor":null}""";
    AssertionError e = assertThrows(AssertionError.class, () -> ContractCheck.verify(get("/v1/api-keys", 200, body)));
    assertTrue(e.getMessage().contains("createdAt"), e.getMessage());
  }

  @Test
  @DisplayName("closed schemas built from shared parts (unevaluatedProperties) also refuse an undocumented field")
  void composedSchemaIsClosed() {
    String reward = """
        {"rewardId":"gc-10","name":"Gift card","type":"gift_card","costPoints":1000,"stock":null,
         "perMemberLimit":null,"validFrom":null,"validTo":null,"tiers":[],"partner":"giftco","partnerSku":null,
         "active":true%s}""";
    assertDoesNotThrow(() -> ContractCheck.verify(get("/v1/rewards/gc-10", 200, reward.formatted(""))));
    AssertionError e = assertThrows(AssertionError.class,
        () -> ContractCheck.verify(get("/v1/rewards/gc-10", 200, reward.formatted(",\"internalNote\":\"x\""))));
    assertTrue(e.getMessage().contains("internalNote") || e.getMessage().contains("unevaluated"), e.getMessage());
    String list = "{\"items\":[" + reward.formatted("") + "],\"nextCursor\":null,\"total\":1}";
    assertThrows(AssertionError.class, () -> ContractCheck.verify(get("/v1/rewards", 200, list)));
  }

  @Test
  @DisplayName("a status the operation does not list fails")
  void undocumentedStatusFails() {
    AssertionError e = assertThrows(AssertionError.class, () -> ContractCheck.verify(get("/v1/members/anna-1/status", 500,
        "{\"error\":{\"code\":\"internal_error\",\"message\":\"boom\",\"field\":null}}")));
    assertTrue(e.getMessage().contains("status 500"), e.getMessage());
  }

  @Test
  @DisplayName("an error code that its status does not carry fails")
  void wrongErrorCodeFails() {
    assertThrows(AssertionError.class, () -> ContractCheck.verify(get("/v1/members/anna-1/status", 404,
        "{\"error\":{\"code\":\"reward_exists\",\"message\":\"x\",\"field\":null}}")));
  }

  @Test
  @DisplayName("an endpoint the contract does not describe fails; an unknown route answered 404 not_found passes")
  void undocumentedEndpointFails() {
    AssertionError e = assertThrows(AssertionError.class,
        () -> ContractCheck.verify(get("/v1/secret-admin", 200, "{}")));
    assertTrue(e.getMessage().contains("no operation GET /v1/secret-admin"), e.getMessage());
    assertDoesNotThrow(() -> ContractCheck.verify(get("/v1/secret-admin", 404,
        "{\"error\":{\"code\":\"not_found\",\"message\":\"no such route\",\"field\":null}}")));
  }

  @Test
  @DisplayName("an accepted request that breaks the contract fails: the contract would be stricter than the server")
  void acceptedRequestOutsideContractFails() {
    Exchange e = new Exchange(HttpMethod.POST, "/v1/api-keys", JSON,
        Buffer.buffer("{\"name\":\"k\",\"scopes\":[\"pos\"],\"colour\":\"red\"}"), 201, JSON,
        Buffer.buffer("{\"id\":\"3f0e7c3a-9d1b-4a43-9a57-0d2b6b5a2b11\",\"name\":\"k\",\"key\":\"lk_x\",\"scopes\":[\"pos\"]}"));
    AssertionError error = assertThrows(AssertionError.class, () -> ContractCheck.verify(e));
    assertTrue(error.getMessage().contains("request body"), error.getMessage());
  }
}
