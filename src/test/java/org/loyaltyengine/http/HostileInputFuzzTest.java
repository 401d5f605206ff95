package org.loyaltyengine.http;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.RawHttp;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A property-based fuzz test over every route the engine mounts (found in the sources, so a new endpoint is
 * covered without editing this test): hostile text in each path parameter, the query, a header and the body
 * (NUL, lone surrogates, bytes that are not UTF-8, %00, malformed %-encoding, huge strings) is always a 4xx
 * with the error shape, rejected by the shared layer (the codes say which), and leaves every table as it was.
 * The seed is printed; re-run one with {@code -Dfuzz.seed=<seed>}.
 */
@DisplayName("Hostile input (fuzzed over every route)")
class HostileInputFuzzTest {
  private static final Pattern ROUTE =
      Pattern.compile("router\\.(get|post|put|patch|delete)\\(\"(/[^\"]*)\"\\)");
  private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");
  /** Writes that take no body: what they are sent is never read, so it cannot hurt them. */
  private static final Set<String> BODYLESS_WRITES = Set.of("POST /v1/earning-rules/versions/:version/rollback");
  private static final List<String> FIELD_NAMES = List.of("externalId", "name", "url", "eventTypes", "items", "sku",
      "transactionId", "partnerId", "rewardId", "redemptionId", "description", "email", "firstName", "attributes",
      "amount", "currency", "timezone", "scopes", "batchId", "eventId", "type", "code", "codes", "reason", "note");
  private static final int CASES_PER_LOCATION = 4;

  static TestEngine engine;
  static Tenant tenant;

  @BeforeAll
  static void start() {
    // No background workers: every row this database gains can only come from a request under test.
    engine = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_RELAY_ENABLED", "false",
        "LOYALTY_ANALYTICS_ENABLED", "false", "LOYALTY_RETENTION_ENABLED", "false", "LOYALTY_WEBHOOKS_ENABLED", "false",
        "LOYALTY_FULFILLMENT_ENABLED", "false", "LOYALTY_INGEST_ENABLED", "false"));
    tenant = engine.createTenant("fuzz");
    engine.enrol(tenant.adminKey(), "m1");
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  record Route(String method, String path) {
    List<String> params() {
      List<String> out = new ArrayList<>();
      for (String segment : path.split("/")) {
        if (segment.startsWith(":")) {
          out.add(segment.substring(1));
        }
      }
      return out;
    }
  }

  /** Every route mounted by the engine's own code (the partner simulator is a separate server). */
  static List<Route> routes() throws IOException {
    Set<Route> out = new TreeSet<>((a, b) -> (a.path + a.method).compareTo(b.path + b.method));
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/fulfillment/sim/")).toList()) {
        Matcher m = ROUTE.matcher(Files.readString(f));
        while (m.find()) {
          out.add(new Route(m.group(1).toUpperCase(), m.group(2)));
        }
      }
    }
    return new ArrayList<>(out);
  }

  @Test
  @DisplayName("hostile text anywhere in a request is a 4xx with the error shape from the shared layer, and writes nothing")
  void everyRouteRejectsHostileInput() throws IOException {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    System.out.println("HostileInputFuzzTest seed=" + seed + " (re-run with -Dfuzz.seed=" + seed + ")");
    Random rnd = new Random(seed);
    List<Route> routes = routes();
    assertTrue(routes.size() >= 45, "found only " + routes.size() + " routes: " + routes);
    Map<String, Long> before = rowCounts();
    Map<String, Integer> codes = new TreeMap<>();
    int requests = 0;
    for (Route route : routes) {
      for (String param : route.params()) {
        for (int i = 0; i < CASES_PER_LOCATION; i++) {
          byte[] hostile = hostileUriPart(rnd);
          RawHttp.Answer a = send(route, target(route, param, hostile, null), Map.of(), validBody(route));
          check(route, "path parameter " + param + " = " + show(hostile), a, Set.of("invalid_path", "uri_too_long"), codes, seed);
          requests++;
        }
      }
      for (int i = 0; i < CASES_PER_LOCATION; i++) {
        byte[] hostile = hostileUriPart(rnd);
        String name = rnd.nextBoolean() ? "limit" : "cursor";
        byte[] query = rnd.nextInt(4) == 0 ? concat(hostile, "=1".getBytes(StandardCharsets.US_ASCII))
            : concat((name + "=").getBytes(StandardCharsets.US_ASCII), hostile);
        RawHttp.Answer a = send(route, target(route, null, null, query), Map.of(), validBody(route));
        check(route, "query " + show(query), a, Set.of("invalid_query", "uri_too_long"), codes, seed);
        requests++;
      }
      for (int i = 0; i < CASES_PER_LOCATION; i++) {
        byte[] hostile = hostileHeaderValue(rnd);
        String header = List.of("X-Request-Id", "Idempotency-Key", "X-Client-Note", "User-Agent").get(rnd.nextInt(4));
        RawHttp.Answer a = send(route, target(route, null, null, null), Map.of(header, hostile), validBody(route));
        check(route, "header " + header + ": " + show(hostile), a,
            Set.of("invalid_header", "malformed_request", "headers_too_large"), codes, seed);
        requests++;
      }
      if (BODY_METHODS.contains(route.method) && !BODYLESS_WRITES.contains(route.method + " " + route.path)) {
        for (int i = 0; i < 2 * CASES_PER_LOCATION; i++) {
          byte[] body = hostileBody(rnd);
          RawHttp.Answer a = send(route, target(route, null, null, null), Map.of(), body);
          // A huge but clean string is only too large for the ordinary body limit; bulk uploads may refuse it otherwise.
          Set<String> expected = body.length > 60_000 ? null : Set.of("invalid_text", "malformed_json");
          check(route, "body " + show(body), a, expected, codes, seed);
          requests++;
        }
      }
      assertEquals(before, rowCounts(), route + " wrote something under hostile input (seed " + seed + ")");
    }
    System.out.println("HostileInputFuzzTest: " + requests + " requests over " + routes.size() + " routes, codes " + codes);
  }

  @Test
  @DisplayName("a control byte in a header is 400 with the error shape, and the answer says Connection: close")
  void malformedHttpSaysItCloses() {
    RawHttp.Answer a = RawHttp.exchange(engine.port, RawHttp.request("GET", bytes("/health/live"),
        Map.of("X-Note", new byte[] {'a', 1, 'b'}), null), true);
    assertShape(a, 400, "malformed_request");
    assertEquals("close", a.headers().get("connection"));
    assertTrue(a.closed(), "the server closes the connection it said it would close");
  }

  @Test
  @DisplayName("an oversized request line is 414 and oversized headers are 431, both with the error shape and Connection: close")
  void oversizedRequests() {
    RawHttp.Answer line = RawHttp.exchange(engine.port, RawHttp.request("GET",
        bytes("/v1/members/" + "a".repeat(20_000) + "/status"), Map.of(), null), true);
    assertShape(line, 414, "uri_too_long");
    assertEquals("close", line.headers().get("connection"));
    RawHttp.Answer headers = RawHttp.exchange(engine.port, RawHttp.request("GET", bytes("/health/live"),
        Map.of("X-Big", bytes("b".repeat(40_000))), null), true);
    assertShape(headers, 431, "headers_too_large");
    assertEquals("close", headers.headers().get("connection"));
  }

  @Test
  @DisplayName("a NUL in a JSON string is 400 invalid_text naming the field's path")
  void nulInJsonNamesTheField() {
    RawHttp.Answer a = send(new Route("POST", "/v1/members"), bytes("/v1/members"), Map.of(),
        bytes("{\"externalId\": \"ok-1\", \"attributes\": {\"k\": \"a\\u0000b\"}}"));
    assertShape(a, 400, "invalid_text");
    assertEquals("attributes.k", a.json().getJsonObject("error").getString("field"));
    RawHttp.Answer surrogate = send(new Route("POST", "/v1/event-batches"), bytes("/v1/event-batches"), Map.of(),
        bytes("{\"items\": [{\"type\": \"purchase\", \"transactionId\": \"t\\ud800\"}]}"));
    assertShape(surrogate, 400, "invalid_text");
    assertEquals("items[0].transactionId", surrogate.json().getJsonObject("error").getString("field"));
  }

  @Test
  @DisplayName("malformed percent-encoding in a query is 400 invalid_query naming the parameter, not plain-text Bad Request")
  void malformedPercentEncodingInQuery() {
    RawHttp.Answer a = send(new Route("GET", "/v1/audit-log"), bytes("/v1/audit-log?before=%zz"), Map.of(), null);
    assertShape(a, 400, "invalid_query");
    assertEquals("before", a.json().getJsonObject("error").getString("field"));
    RawHttp.Answer path = send(new Route("GET", "/v1/rewards/:rewardId"), bytes("/v1/rewards/a%2"), Map.of(), null);
    assertShape(path, 400, "invalid_path");
  }

  // ---- requests ----

  private static RawHttp.Answer send(Route route, byte[] target, Map<String, byte[]> extraHeaders, byte[] body) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    String key = route.path.startsWith("/v1/tenants") ? TestEngine.OPERATOR_TOKEN : tenant.adminKey(); // operator routes
    headers.put("Authorization", bytes("Bearer " + key));
    headers.put("Connection", bytes("close"));
    if (body != null) {
      headers.put("Content-Type", bytes("application/json"));
    }
    headers.putAll(extraHeaders);
    return RawHttp.exchange(engine.port, RawHttp.request(route.method, target, headers, body));
  }

  /** The route's path with {@code hostileParam} set to {@code hostile} (others plausible), plus a query. */
  private static byte[] target(Route route, String hostileParam, byte[] hostile, byte[] query) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String segment : route.path.substring(1).split("/")) {
      out.write('/');
      if (segment.equals(":" + hostileParam)) {
        out.writeBytes(hostile);
      } else if (segment.startsWith(":")) {
        out.writeBytes(bytes(segment.equals(":externalId") ? "m1" : "x1"));
      } else {
        out.writeBytes(bytes(segment));
      }
    }
    if (query != null) {
      out.write('?');
      out.writeBytes(query);
    }
    return out.toByteArray();
  }

  private static byte[] validBody(Route route) {
    return BODY_METHODS.contains(route.method) ? bytes("{\"name\": \"plain\"}") : null;
  }

  // ---- generators ----

  /** A piece of a URI (path segment, query name or value) that must be refused. */
  static byte[] hostileUriPart(Random rnd) {
    byte[][] hostile = {
        bytes("%00"), bytes("%ED%A0%80"), bytes("%ED%B0%80"), bytes("%C3%28"), bytes("%FF"), bytes("%C0%AF"),
        bytes("%"), bytes("%G1"), bytes("%1"), bytes("%0A"), bytes("%1F"), bytes("%7F"),
        {0}, {(byte) 0xFF}, {(byte) 0xC3, 0x28}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0x80}};
    if (rnd.nextInt(12) == 0) {
      return bytes("a".repeat(20_000)); // over the request-line limit
    }
    return concat(bytes(plain(rnd)), hostile[rnd.nextInt(hostile.length)], bytes(plain(rnd)));
  }

  static byte[] hostileHeaderValue(Random rnd) {
    byte[][] hostile = {{0}, {1}, {0x7F}, {0x1B}, {(byte) 0xFF}, {(byte) 0xC3, 0x28},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}};
    if (rnd.nextInt(10) == 0) {
      return bytes("h".repeat(40_000)); // over the header limit
    }
    return concat(bytes(plain(rnd)), hostile[rnd.nextInt(hostile.length)], bytes(plain(rnd)));
  }

  /** A JSON object with API-like fields, one string (a value or a field name, at any depth) hostile. */
  static byte[] hostileBody(Random rnd) {
    byte[][] hostile = {bytes("\\u0000"), bytes("a\\u0000b"), bytes("\\ud800"), bytes("x\\udc00"), bytes("\\ud83d!"),
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0x80}, {0x00}};
    byte[] bad = rnd.nextInt(15) == 0 ? bytes("z".repeat(70_000))
        : concat(bytes(plain(rnd)), hostile[rnd.nextInt(hostile.length)], bytes(plain(rnd)));
    int fields = 1 + rnd.nextInt(4);
    int badAt = rnd.nextInt(fields);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('{');
    for (int i = 0; i < fields; i++) {
      if (i > 0) {
        out.write(',');
      }
      boolean here = i == badAt;
      boolean inKey = here && rnd.nextInt(4) == 0;
      out.writeBytes(quoted(inKey ? bad : bytes(FIELD_NAMES.get(rnd.nextInt(FIELD_NAMES.size())) + (i == 0 ? "" : i))));
      out.write(':');
      byte[] value = quoted(here && !inKey ? bad : bytes(plain(rnd)));
      switch (rnd.nextInt(3)) {
        case 0 -> out.writeBytes(value);
        case 1 -> out.writeBytes(concat(bytes("{\"sku\":"), value, bytes("}")));
        default -> out.writeBytes(concat(bytes("[{\"sku\":\"a\",\"note\":"), value, bytes("}]")));
      }
    }
    out.write('}');
    return out.toByteArray();
  }

  private static String plain(Random rnd) {
    String alphabet = "abcXYZ019-_.";
    StringBuilder s = new StringBuilder();
    for (int i = rnd.nextInt(4); i > 0; i--) {
      s.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  // ---- checks ----

  private static void check(Route route, String what, RawHttp.Answer a, Set<String> expected, Map<String, Integer> codes,
                            long seed) {
    String context = route.method + " " + route.path + " with " + what + " (seed " + seed + "): ";
    if (a.status() < 400 || a.status() >= 500) {
      fail(context + "status " + a.status() + " " + a.text());
    }
    JsonObject error = errorOf(context, a);
    String code = error.getString("code");
    if (expected != null && !expected.contains(code)) {
      fail(context + "code " + code + ", expected one of " + expected + ": " + a.text());
    }
    codes.merge(code, 1, Integer::sum);
  }

  private static JsonObject errorOf(String context, RawHttp.Answer a) {
    assertTrue(String.valueOf(a.headers().get("content-type")).startsWith("application/json"), context + a.headers());
    JsonObject error;
    try {
      error = a.json().getJsonObject("error");
    } catch (RuntimeException e) {
      throw new AssertionError(context + "not the error shape: " + a.text(), e);
    }
    assertNotNull(error, context + a.text());
    assertNotNull(error.getString("code"), context + a.text());
    assertNotNull(error.getString("message"), context + a.text());
    assertTrue(error.containsKey("field"), context + a.text());
    return error;
  }

  private static void assertShape(RawHttp.Answer a, int status, String code) {
    assertEquals(status, a.status(), a.text());
    assertEquals(code, errorOf("", a).getString("code"));
  }

  /** Rows per table of the test database (one statement over every table): nothing may change under hostile input. */
  private static Map<String, Long> rowCounts() {
    try (Connection c = engine.jdbc(); Statement s = c.createStatement()) {
      List<String> counts = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("select table_name from information_schema.tables where table_schema = 'public'"
          + " and table_type = 'BASE TABLE' and table_name <> 'flyway_schema_history' order by 1")) {
        while (rs.next()) {
          counts.add("select '" + rs.getString(1) + "', count(*) from \"" + rs.getString(1) + "\"");
        }
      }
      Map<String, Long> out = new TreeMap<>();
      try (ResultSet rs = s.executeQuery(String.join(" union all ", counts))) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getLong(2));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- bytes ----

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] quoted(byte[] inner) {
    return concat(bytes("\""), inner, bytes("\""));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static String show(byte[] b) {
    StringBuilder s = new StringBuilder();
    int n = Math.min(b.length, 60);
    for (int i = 0; i < n; i++) {
      int c = b[i] & 0xFF;
      s.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02X", c));
    }
    return b.length > n ? s + "…(" + b.length + " bytes)" : s.toString();
  }
}
