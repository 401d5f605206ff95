package org.loyaltyengine.http;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract passes a real OpenAPI linter: Redocly CLI from the npm registry, pinned (pom.xml's
 * {@code redocly.cli.version}), with redocly.yaml's rules (recommended-strict: every finding is an error). npx
 * caches the package in ~/.npm after the first run. When the linter cannot run (no Node.js/npx, no registry
 * and no cache) this test FAILS rather than skips: the contract's lint is part of what the suite proves.
 */
class ContractLintTest {
  private static final String VERSION = System.getProperty("redocly.cli.version", "2.77.0");

  @Test
  @DisplayName("the OpenAPI contract passes Redocly's lint with no error or warning")
  void contractPassesTheLinter() throws IOException, InterruptedException {
    List<String> command = List.of("npx", "--yes", "@redocly/cli@" + VERSION, "lint",
        "--config", "redocly.yaml", "src/main/resources/openapi/openapi.yaml");
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("cannot run the OpenAPI linter (" + String.join(" ", command)
          + "): Node.js 20.19+ with npx is needed — scripts/lib/services.sh installs it", e);
    }
    process.getOutputStream().close();
    String output;
    try (var in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the linter did not finish in 5 minutes");
    assertEquals(0, process.exitValue(), "the linter failed:\n" + output);
    assertTrue(output.contains("Your API description is valid"), output);
    assertTrue(!output.matches("(?s).*You have \\d+ warning.*"), "the linter warns:\n" + output);
  }
}
