package org.loyaltyengine.bench;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Open-loop load generator: what it sends")
class OpenLoopTest {
  @TempDir
  Path dir;

  private OpenLoop.Settings settings(String... extra) throws Exception {
    Path csv = Files.writeString(dir.resolve("members.csv"), "externalId,email\nmember-0000001,a\nmember-0000002,b\n");
    String[] base = {"--url", "http://127.0.0.1:18080/v1/transactions", "--ids", csv.toString(), "--prefix", "run7"};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return OpenLoop.parse(args);
  }

  @Test
  @DisplayName("a purchase template becomes a valid body with a member of the CSV, a unique id and a whole basket")
  void purchaseBody() throws Exception {
    OpenLoop.Settings s = settings("--body",
        "{\"transactionId\":\"run7-{seq}\",\"memberExternalId\":\"{id}\",\"occurredAt\":\"{occurredAt}\",\"currency\":\"EUR\",{basket}}");
    assertEquals(HttpMethod.POST, s.method());
    JsonObject body = new JsonObject(OpenLoop.fill(s, s.body(), 41));
    assertEquals("run7-41", body.getString("transactionId"));
    assertTrue(body.getString("memberExternalId").startsWith("member-000000"));
    JsonArray items = body.getJsonArray("items");
    assertEquals(5, items.size());
    long sum = 0;
    for (int i = 0; i < items.size(); i++) {
      sum += items.getJsonObject(i).getLong("amount");
    }
    assertEquals(sum, body.getLong("total"));
  }

  @Test
  @DisplayName("an event batch holds batch-size items with ids unique to the request, events and purchases mixed")
  void eventBatch() throws Exception {
    OpenLoop.Settings s = settings("--body", "{\"batchId\":\"run7-b-{seq}\",\"items\":{events}}", "--batch-size", "200",
        "--event-share", "50");
    JsonObject body = new JsonObject(OpenLoop.fill(s, s.body(), 3));
    JsonArray items = body.getJsonArray("items");
    assertEquals(200, items.size());
    long events = items.stream().map(JsonObject.class::cast).filter(i -> i.getString("type").equals("event")).count();
    assertTrue(events > 50 && events < 150, "about half events, got " + events);
    JsonObject first = items.getJsonObject(0);
    String id = first.getString("type").equals("event") ? first.getString("eventId") : first.getString("transactionId");
    assertTrue(id.equals("run7-e-3-0") || id.equals("run7-t-3-0"), id);
  }

  @Test
  @DisplayName("without a body it sends GETs, filling {id} in the URLs")
  void gets() throws Exception {
    OpenLoop.Settings s = settings("--url", "http://127.0.0.1:18080/v1/members/{id}/status");
    assertEquals(HttpMethod.GET, s.method());
    assertEquals(2, s.targets().size());
    assertTrue(OpenLoop.fill(s, s.targets().get(1).uri(), 1).matches("/v1/members/member-000000[12]/status"));
  }

  @Test
  @DisplayName("member placeholders without ids, or a bad rate, are refused before anything is sent")
  void refusals() {
    assertThrows(IllegalArgumentException.class,
        () -> OpenLoop.parse(new String[] {"--url", "http://127.0.0.1:1/v1/members/{id}"}));
    assertThrows(IllegalArgumentException.class, () -> settings("--rate", "0"));
  }
}
