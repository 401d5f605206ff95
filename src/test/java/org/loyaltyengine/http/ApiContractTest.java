package org.loyaltyengine.http;

import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.Operation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.ContractCheck;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract is served as written, readable in a browser, and describes exactly the routes the engine mounts. */
class ApiContractTest {
  /** {@code router.get("/v1/x/:id")} and the like, in the engine's sources. */
  private static final Pattern ROUTE = Pattern.compile("router\\.(get|post|put|patch|delete)\\(\"([^\"]+)\"\\)");
  /** The partner simulator is a separate server (a stand-in for a partner), not the engine's API. */
  private static final Path SIMULATOR = Path.of("src/main/java/org/loyaltyengine/fulfillment/sim");

  static TestEngine engine;

  @BeforeAll
  static void start() {
    engine = TestEngine.start();
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  @Test
  @DisplayName("GET /openapi.json serves the OpenAPI 3.1 contract, the same document as openapi.yaml")
  void servesTheContract() {
    Reply r = engine.get("/openapi.json", null);
    assertEquals(200, r.status());
    assertTrue(r.headers().get("content-type").startsWith("application/json"));
    JsonObject served = r.json();
    assertEquals("3.1.0", served.getString("openapi"));
    assertEquals(ApiContract.contract(), served);
    assertTrue(served.getJsonObject("paths").containsKey("/v1/transactions"));
  }

  @Test
  @DisplayName("GET /docs is a Redoc page of the contract, with the bundle the build took from npm")
  void servesTheDocsPage() {
    Reply page = engine.get("/docs", null);
    assertEquals(200, page.status());
    assertTrue(page.headers().get("content-type").startsWith("text/html"));
    String html = page.body().toString();
    assertTrue(html.contains("spec-url=\"/openapi.json\""), html);
    Reply bundle = engine.get("/docs/redoc.standalone.js", null);
    assertEquals(200, bundle.status(), "the build packs redoc's standalone bundle (npm must be installed)");
    assertTrue(bundle.body().length() > 100_000, "the real bundle, not a stub");
  }

  @Test
  @DisplayName("every route the engine mounts is in the contract, and every operation of the contract is mounted")
  void contractCoversEveryRoute() throws IOException {
    Set<String> mounted = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.startsWith(SIMULATOR)).toList()) {
        Matcher m = ROUTE.matcher(Files.readString(file));
        while (m.find()) {
          mounted.add(m.group(1).toUpperCase() + " " + m.group(2).replaceAll(":(\\w+)", "{$1}"));
        }
      }
    }
    mounted.add("GET /openapi.json"); // mounted by ApiContract with the same calls, listed here for clarity
    Set<String> described = new TreeSet<>();
    for (Operation op : ContractCheck.contract().operations()) {
      described.add(op.getHttpMethod().name() + " " + op.getOpenAPIPath());
    }
    Set<String> missing = new TreeSet<>(mounted);
    missing.removeAll(described);
    Set<String> phantom = new TreeSet<>(described);
    phantom.removeAll(mounted);
    assertTrue(missing.isEmpty(), "routes missing from src/main/resources/openapi/openapi.yaml: " + missing);
    assertTrue(phantom.isEmpty(), "operations in the contract that no route serves: " + phantom);
    assertTrue(mounted.size() > 50, "the scan found the routes: " + mounted.size());
  }
}
