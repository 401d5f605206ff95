package org.loyaltyengine.docs;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's error table against the source: every error code the engine's API can answer (a
 * {@code Rejection}, or what {@code http/Failures} and the routes send directly) is listed under its status,
 * once, and the table lists nothing the code cannot send. The partner simulator (fulfillment/sim) is a
 * separate program with its own answers, so it is left out.
 */
@DisplayName("README: the error table lists exactly the codes the API can answer")
class ErrorTableTest {
  private static final Map<String, Integer> KIND_STATUS = Map.of("INVALID", 400, "UNAUTHORIZED", 401,
      "FORBIDDEN", 403, "NOT_FOUND", 404, "METHOD_NOT_ALLOWED", 405, "CONFLICT", 409, "PAYLOAD_TOO_LARGE", 413,
      "UNSUPPORTED_MEDIA_TYPE", 415, "UNPROCESSABLE", 422);
  private static final Pattern REJECTION = Pattern.compile(
      "Rejection\\(\\s*(?:Rejection\\.)?Kind\\.([A-Z_]+),\\s*(?:\"([a-z0-9_]+)\"|([A-Z_]+)\\s*,)");
  private static final Pattern SHORTHAND = Pattern.compile("\\b(notFound|conflict)\\(\\s*\"([a-z0-9_]+)\"");
  private static final Pattern DIRECT = Pattern.compile("send\\(ctx,\\s*(\\d{3}),\\s*\"([a-z0-9_]+)\"");
  private static final Pattern HELPER = Pattern.compile("Rejection\\.(invalid|missing)\\(");
  /** A code handed to a helper that builds the 404 later (e.g. {@code found(value, "tenant_not_found", …)}). */
  /** A status and code chosen in branches before one answer is written (e.g. http/InvalidRequests). */
  private static final Pattern ASSIGNED = Pattern.compile("status = (\\d{3});\\s*code = \"([a-z0-9_]+)\"");
  private static final Pattern NOT_FOUND_LITERAL = Pattern.compile("\"([a-z0-9_]+_not_found)\"");
  private static final Pattern CONSTANT = Pattern.compile("String\\s+([A-Z_]+)\\s*=\\s*\"([a-z0-9_]+)\"");
  private static final Pattern ROW = Pattern.compile("^\\| (\\d{3}) \\| (.*) \\|$");
  private static final Pattern CODE = Pattern.compile("`([a-z0-9_]+)`");

  /** status -> codes the source can answer with. */
  static Map<Integer, TreeSet<String>> codesInSource() throws IOException {
    Map<Integer, TreeSet<String>> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java/org/loyaltyengine"))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !p.toString().contains("/fulfillment/sim/")).toList()) {
        String src = Files.readString(file);
        Map<String, String> constants = new HashMap<>();
        Matcher c = CONSTANT.matcher(src);
        while (c.find()) {
          constants.put(c.group(1), c.group(2));
        }
        Matcher m = REJECTION.matcher(src);
        while (m.find()) {
          String code = m.group(2) != null ? m.group(2) : constants.get(m.group(3));
          assertTrue(code != null, file + ": a rejection code that is neither a literal nor a constant: " + m.group());
          add(out, KIND_STATUS.get(m.group(1)), code);
        }
        Matcher s = SHORTHAND.matcher(src);
        while (s.find()) {
          add(out, s.group(1).equals("notFound") ? 404 : 409, s.group(2));
        }
        Matcher d = DIRECT.matcher(src);
        while (d.find()) {
          add(out, Integer.parseInt(d.group(1)), d.group(2));
        }
        Matcher a = ASSIGNED.matcher(src);
        while (a.find()) {
          add(out, Integer.parseInt(a.group(1)), a.group(2));
        }
        Matcher n = NOT_FOUND_LITERAL.matcher(src);
        while (n.find()) {
          add(out, 404, n.group(1));
        }
        Matcher h = HELPER.matcher(src);
        while (h.find()) {
          add(out, 400, h.group(1).equals("invalid") ? "invalid_field" : "missing_field");
        }
      }
    }
    return out;
  }

  private static void add(Map<Integer, TreeSet<String>> out, int status, String code) {
    out.computeIfAbsent(status, k -> new TreeSet<>()).add(code);
  }

  /** status -> codes in the README's table; fails on a repeated status row or a code listed twice. */
  static Map<Integer, TreeSet<String>> codesInReadme() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    String table = readme.substring(readme.indexOf("### Errors"));
    Map<Integer, TreeSet<String>> out = new TreeMap<>();
    List<String> seen = new ArrayList<>();
    boolean inTable = false;
    for (String line : table.split("\n")) {
      Matcher row = ROW.matcher(line);
      if (!row.matches()) {
        if (inTable && !line.startsWith("|")) {
          break;
        }
        continue;
      }
      inTable = true;
      int status = Integer.parseInt(row.group(1));
      assertTrue(!out.containsKey(status), "the error table has two rows for " + status);
      TreeSet<String> codes = new TreeSet<>();
      // only the codes themselves: `a` (explanation `b`) lists a; explanations are in parentheses
      Matcher code = CODE.matcher(row.group(2).replaceAll("\\([^)]*\\)", ""));
      while (code.find()) {
        assertTrue(!seen.contains(code.group(1)), "the error table lists " + code.group(1) + " twice");
        seen.add(code.group(1));
        codes.add(code.group(1));
      }
      out.put(status, codes);
    }
    return out;
  }

  @Test
  @DisplayName("every code the API can answer is in the table under its status, and the table holds no other")
  void tableMatchesSource() throws IOException {
    Map<Integer, TreeSet<String>> source = codesInSource();
    assertTrue(source.getOrDefault(404, new TreeSet<>()).contains("member_not_found"), "the scan finds codes");
    assertEquals(source, codesInReadme(), "README.md's error table (### Errors) against the codes in src/main/java");
  }
}
