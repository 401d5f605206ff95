package org.loyaltyengine.docs;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.fulfillment.sim.PartnerSimulator;
import org.loyaltyengine.fulfillment.sim.SimulatorOptions;
import org.loyaltyengine.testing.TestEngine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the README's API tour, command by command, in one bash session (so its variables carry over) against
 * a real engine and partner simulator, and compares every answer with the one the README shows. Commands
 * without a shown answer must still succeed (2xx, exit status 0). The README's {@code localhost:8080} and the
 * partner simulator's {@code 127.0.0.1:9090} are pointed at this test's servers; nothing else is changed.
 * Answers are compared with those addresses put back. A read whose answer depends on asynchronous work (ingestion, fulfillment, analytics) is repeated for up to
 * {@value #ASYNC_DEADLINE_MS} ms until it matches.
 */
@DisplayName("README: the API tour runs and every answer it shows is the real one")
class ApiTourTest {
  static final long ASYNC_DEADLINE_MS = 30_000;
  static final String MARK = "@@tour-step-done@@";

  static Vertx simVertx;
  static PartnerSimulator sim;
  static TestEngine engine;

  @BeforeAll
  static void start() {
    simVertx = Vertx.vertx();
    sim = PartnerSimulator.start(simVertx, SimulatorOptions.onFreePort()).await();
    // The tour's purchases carry fixed dates; with the ledger jobs off, none of its points can age into an
    // expiry however late the suite runs (whether points are pending is decided when they are earned).
    engine = TestEngine.start(Map.of("LOYALTY_FULFILLMENT_POLL_MS", "50", "LOYALTY_WEBHOOKS_TIMEOUT_MS", "1000",
        "LOYALTY_WEBHOOKS_LEASE_MS", "3000", "LOYALTY_JOBS_ENABLED", "false"));
  }

  @AfterAll
  static void stop() {
    engine.close();
    sim.close().await();
    simVertx.close().await();
  }

  @Test
  @DisplayName("every tour command succeeds and answers what the README shows")
  void tourRuns() throws Exception {
    List<TourScript.Step> steps = TourScript.parse(Files.readString(Path.of("README.md")));
    assertTrue(steps.size() > 30, "the tour has its commands");
    assertTrue(steps.stream().filter(s -> s.expectationText() != null).count() >= 15, "and shows their answers");
    Path dir = Files.createTempDirectory("tour");
    try (Shell shell = new Shell(dir)) {
      List<String> failures = new ArrayList<>();
      StringBuilder transcript = new StringBuilder();
      for (TourScript.Step step : steps) {
        String failure = run(shell, step, transcript);
        if (failure != null) {
          failures.add("README.md:" + step.line() + ": " + failure + "\n  command: " + step.command());
        }
      }
      // what each command really answered, for whoever updates the README
      Files.writeString(Path.of("target", "api-tour-transcript.txt"), transcript);
      if (!failures.isEmpty()) {
        fail(String.join("\n", failures) + "\n  shell errors: " + shell.errors());
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private String run(Shell shell, TourScript.Step step, StringBuilder transcript)
      throws IOException, InterruptedException {
    String simAddress = sim.baseUrl().replaceFirst("^https?://", "");
    String command = step.command()
        .replace("localhost:8080", "127.0.0.1:" + engine.port)
        .replace("127.0.0.1:9090", simAddress);
    long deadline = System.currentTimeMillis() + ASYNC_DEADLINE_MS;
    while (true) {
      Shell.Result raw = shell.run(command);
      // the answers name the servers as the README does
      Shell.Result r = new Shell.Result(raw.exitStatus(), raw.httpStatus(),
          raw.output().replace(simAddress, "127.0.0.1:9090"));
      String problem = check(step, r);
      if (problem == null || !step.isRead() || System.currentTimeMillis() > deadline) {
        transcript.append("README.md:").append(step.line()).append('\n').append(step.command()).append("\n→ ")
            .append(r.httpStatus()).append(' ').append(r.output().trim()).append("\n\n");
        return problem;
      }
      Thread.sleep(250);
    }
  }

  static String check(TourScript.Step step, Shell.Result r) {
    if (r.exitStatus() != 0) {
      return "exit status " + r.exitStatus() + ", output: " + r.output();
    }
    boolean calledApi = step.command().contains("curl ");
    if (step.status() != null && step.status() != r.httpStatus()) {
      return "HTTP " + r.httpStatus() + ", the README shows " + step.status() + "; answer: " + r.output();
    }
    if (step.status() == null && calledApi && (r.httpStatus() < 200 || r.httpStatus() > 299)) {
      return "HTTP " + r.httpStatus() + "; answer: " + r.output();
    }
    if (step.expectationText() == null) {
      return null;
    }
    String out = r.output().trim();
    if (step.body() == null) {
      return out.isEmpty() ? null : "the README shows no body, the answer was: " + out;
    }
    Object actual;
    try {
      actual = out.startsWith("[") ? new JsonArray(out) : new JsonObject(out);
    } catch (RuntimeException e) {
      return "the answer is not JSON: " + out;
    }
    String m = TourScript.mismatch(step.body(), actual, "$");
    return m == null ? null : m + "\n  answer: " + out;
  }

  /** One bash process; each command's output is read up to a marker line carrying its exit and HTTP status. */
  static final class Shell implements AutoCloseable {
    record Result(int exitStatus, int httpStatus, String output) {}

    private final Process bash;
    private final Writer in;
    private final BufferedReader out;
    private final Path errors;

    Shell(Path dir) throws IOException {
      errors = dir.resolve("stderr.txt");
      ProcessBuilder pb = new ProcessBuilder("bash", "--noprofile", "--norc", "-s").directory(dir.toFile())
          .redirectError(errors.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("LOYALTY_"));
      pb.environment().put("LOYALTY_OPERATOR_TOKEN", TestEngine.OPERATOR_TOKEN);
      bash = pb.start();
      in = new java.io.OutputStreamWriter(bash.getOutputStream(), StandardCharsets.UTF_8);
      out = new BufferedReader(new InputStreamReader(bash.getInputStream(), StandardCharsets.UTF_8));
      // Every curl of the tour reports its HTTP status into a file; its body still goes to stdout.
      send("""
          curl() { command curl --max-time 20 -o "$PWD/.tour-body" -w '%{http_code}' "$@" > "$PWD/.tour-status"; local rc=$?; \
          cat "$PWD/.tour-body" 2>/dev/null; rm -f "$PWD/.tour-body"; return $rc; }
          """);
    }

    private void send(String text) throws IOException {
      in.write(text);
      in.write('\n');
      in.flush();
    }

    Result run(String command) throws IOException {
      send("echo 0 > \"$PWD/.tour-status\"");
      send("{\n" + command + "\n} ; __rc=$? ; echo ; echo \"" + MARK + " $__rc $(cat \"$PWD/.tour-status\")\"");
      StringBuilder output = new StringBuilder();
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(MARK)) {
          String[] parts = line.split(" ");
          return new Result(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), output.toString());
        }
        output.append(line).append('\n');
      }
      throw new IOException("bash ended; errors: " + errors());
    }

    String errors() {
      try {
        return Files.exists(errors) ? Files.readString(errors) : "";
      } catch (IOException e) {
        return e.toString();
      }
    }

    @Override
    public void close() throws Exception {
      in.close();
      if (!bash.waitFor(5, TimeUnit.SECONDS)) {
        bash.destroyForcibly();
      }
    }
  }
}
