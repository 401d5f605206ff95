package org.loyaltyengine.platform;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The monitoring files in docker/ (Prometheus alerting rules, the Grafana dashboard) against Prometheus' own tool
 * and against the metrics a running engine really exports. promtool is required: scripts/test.sh installs it
 * (scripts/lib/services.sh ensure_promtool), and a machine without it fails here rather than skipping.
 */
@DisplayName("Monitoring files (docker/prometheus, docker/grafana) are valid and watch real metrics")
class MonitoringFilesTest {
  private static final Path PROMETHEUS = Path.of("docker/prometheus");
  private static final Path DASHBOARD = Path.of("docker/grafana/dashboards/loyalty-engine.json");
  private static final Path DATASOURCE = Path.of("docker/grafana/provisioning/datasources/prometheus.yml");
  /** Metric families of the engine; PromQL functions, labels and keywords never start so. */
  private static final Pattern METRIC = Pattern.compile("\\b((?:loyalty|vertx|jvm)_[a-z0-9_]+)\\b");
  /**
   * Gauges registered when their first circuit is made (a partner's first call, a subscription's first delivery),
   * so a fresh engine does not export them yet: they must at least be registered somewhere in the engine's code.
   */
  private static final Set<String> REGISTERED_ON_FIRST_USE = Set.of("loyalty_partner_circuit_open", "loyalty_webhook_circuit_open");

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
  @DisplayName("promtool accepts the Prometheus configuration and every alerting rule file it loads")
  void promtoolChecksRules() {
    Run run = promtool("check", "config", PROMETHEUS.resolve("prometheus.yml").toString());
    assertEquals(0, run.exit(), run.output());
    assertTrue(run.output().contains("alerts.yml"), "the configuration loads alerts.yml: " + run.output());
    for (Path rules : ruleFiles()) {
      Run check = promtool("check", "rules", rules.toString());
      assertEquals(0, check.exit(), check.output());
    }
  }

  @Test
  @DisplayName("the alerts fire when, and only when, their unit tests say (promtool test rules)")
  void promtoolTestsRules() {
    Run run = promtool("test", "rules", PROMETHEUS.resolve("tests/alerts-test.yml").toString());
    assertEquals(0, run.exit(), run.output());
    assertTrue(run.output().contains("SUCCESS"), run.output());
  }

  @Test
  @DisplayName("alerts cover error rate, per-route p99 latency, outbox lag, the fulfillment, webhook and ingest queues and open circuits")
  void alertsCoverTheWatchedSignals() {
    Map<String, String> alerts = alerts(PROMETHEUS.resolve("alerts.yml"));
    for (String name : List.of("LoyaltyHighErrorRate", "LoyaltyHighLatencyP99", "LoyaltyOutboxLag", "LoyaltyFulfillmentBacklog",
        "LoyaltyFulfillmentStale", "LoyaltyWebhookBacklog", "LoyaltyWebhookStale", "LoyaltyIngestionLag",
        "LoyaltyPartnerCircuitOpen", "LoyaltyWebhookCircuitOpen")) {
      assertTrue(alerts.containsKey(name), "missing alert " + name);
    }
    // Per route means grouped by the route template label, which the engine bounds to its routes.
    assertTrue(alerts.get("LoyaltyHighLatencyP99").contains("sum by (route, le)"), alerts.get("LoyaltyHighLatencyP99"));
  }

  @Test
  @DisplayName("the dashboard is valid JSON with unique panel ids, each query on the provisioned Prometheus data source")
  void dashboardIsWellFormed() throws IOException {
    JsonObject dashboard;
    try {
      dashboard = new JsonObject(Files.readString(DASHBOARD));
    } catch (DecodeException e) {
      throw new AssertionError(DASHBOARD + " is not valid JSON: " + e.getMessage(), e);
    }
    assertEquals("loyalty-engine", dashboard.getString("uid"));
    Map<String, Object> provisioned = new Yaml().load(Files.readString(DATASOURCE));
    @SuppressWarnings("unchecked")
    String uid = (String) ((List<Map<String, Object>>) provisioned.get("datasources")).get(0).get("uid");
    Set<Integer> ids = new HashSet<>();
    int queries = 0;
    for (Object p : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) p;
      assertTrue(ids.add(panel.getInteger("id")), "duplicate panel id " + panel.getInteger("id"));
      assertNotNull(panel.getJsonObject("gridPos"), panel.getString("title") + " has no position");
      JsonArray targets = panel.getJsonArray("targets", new JsonArray());
      for (Object t : targets) {
        JsonObject target = (JsonObject) t;
        assertEquals(uid, target.getJsonObject("datasource").getString("uid"), panel.getString("title"));
        assertFalse(target.getString("expr", "").isBlank(), panel.getString("title") + " has an empty query");
        queries++;
      }
    }
    assertTrue(queries >= 20, "queries: " + queries);
  }

  @Test
  @DisplayName("every metric the alerts and the dashboard query is one the engine exports")
  void queriedMetricsExist() throws IOException {
    // A request of each kind first: the HTTP histograms have no series before the first request.
    Tenant t = engine.createTenant("monitoring");
    engine.enrol(t.adminKey(), "m1");
    engine.get("/v1/members/m1/status", t.adminKey());
    String scrape = engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString();
    Set<String> exported = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        exported.add(line.split("[{ ]", 2)[0]);
      }
    }
    String sources = engineSources();
    Set<String> queried = new TreeSet<>();
    alerts(PROMETHEUS.resolve("alerts.yml")).values().forEach(expr -> queried.addAll(metrics(expr)));
    queried.addAll(metrics(Files.readString(DASHBOARD)));
    assertTrue(queried.size() >= 20, "queried: " + queried);
    List<String> missing = new ArrayList<>();
    for (String name : queried) {
      boolean found = REGISTERED_ON_FIRST_USE.contains(name) ? sources.contains("\"" + name + "\"") : exported.contains(name);
      if (!found) {
        missing.add(name);
      }
    }
    assertEquals(List.of(), missing, "queried but not exported; the engine exports " + exported);
  }

  @Test
  @DisplayName("the fulfillment queue gauges report the jobs waiting and how long the oldest has waited")
  void queueGaugesReportDepthAndAge() {
    // A job waiting ten minutes, not due for a day so no worker takes it; the gauges refresh every 5 s.
    engine.execute("insert into fulfillment_jobs (tenant_id, redemption_id, partner_id, partner_sku, quantity, status, "
        + "next_attempt_at, created_at) values (gen_random_uuid(), 'monitoring-1', 'nobody', 'SKU', 1, 'queued', "
        + "now() + interval '1 day', now() - interval '10 minutes')");
    try {
      assertTrue(org.loyaltyengine.testing.Eventually.eventually(20_000,
              () -> gauge("loyalty_fulfillment_queue_depth") >= 1 && gauge("loyalty_fulfillment_queue_oldest_age_seconds") >= 600),
          "depth " + gauge("loyalty_fulfillment_queue_depth") + ", age " + gauge("loyalty_fulfillment_queue_oldest_age_seconds"));
    } finally {
      engine.execute("delete from fulfillment_jobs where redemption_id = 'monitoring-1'");
    }
  }

  @Test
  @DisplayName("Prometheus scrapes /metrics of every engine node of the compose file, on the port it serves")
  @SuppressWarnings("unchecked")
  void prometheusScrapesEveryNode() throws IOException {
    Map<String, Object> config = new Yaml().load(Files.readString(PROMETHEUS.resolve("prometheus.yml")));
    Map<String, Object> job = ((List<Map<String, Object>>) config.get("scrape_configs")).stream()
        .filter(j -> "loyalty-engine".equals(j.get("job_name"))).findFirst().orElseThrow();
    assertEquals("/metrics", job.get("metrics_path"));
    Set<String> targets = new TreeSet<>();
    ((List<Map<String, Object>>) job.get("static_configs")).forEach(c -> targets.addAll((List<String>) c.get("targets")));
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker/compose.yml")));
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    Set<String> nodes = new TreeSet<>();
    services.forEach((name, s) -> {
      if (name.matches("node[0-9]+")) {
        // /metrics on the API port needs the operator token; the nodes serve it on their management port
        Object port = ((Map<String, Object>) ((Map<String, Object>) s).get("environment")).get("LOYALTY_METRICS_PORT");
        assertTrue(port != null, name + " sets LOYALTY_METRICS_PORT");
        nodes.add(name + ":" + port);
      }
    });
    assertFalse(nodes.isEmpty());
    assertEquals(nodes, targets, "scrape targets");
    assertTrue(services.containsKey("prometheus") && services.containsKey("grafana"), "compose runs Prometheus and Grafana");
  }

  /** The value of an unlabelled gauge in the engine's scrape, or -1 when it is not there. */
  private static double gauge(String name) {
    for (String line : engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return -1;
  }

  private static Set<String> metrics(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** Every alert of a rules file: name to its expression. */
  @SuppressWarnings("unchecked")
  private static Map<String, String> alerts(Path file) {
    Map<String, String> alerts = new java.util.LinkedHashMap<>();
    try {
      Map<String, Object> rules = new Yaml().load(Files.readString(file));
      for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
        for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
          if (rule.containsKey("alert")) {
            alerts.put((String) rule.get("alert"), (String) rule.get("expr"));
          }
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return alerts;
  }

  /** The rule files prometheus.yml loads ("*alerts.yml": alerts.yml, and those of other features). */
  private static List<Path> ruleFiles() {
    try (Stream<Path> files = Files.list(PROMETHEUS)) {
      List<Path> rules = files.filter(f -> f.getFileName().toString().endsWith("alerts.yml")).sorted().toList();
      assertFalse(rules.isEmpty(), "no rule files in " + PROMETHEUS);
      return rules;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String engineSources() throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        all.append(Files.readString(f));
      }
    }
    return all.toString();
  }

  private record Run(int exit, String output) {}

  private static Run promtool(String... args) {
    List<String> command = new ArrayList<>();
    command.add("promtool");
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("promtool " + String.join(" ", args) + " did not finish within 60 s");
      }
      return new Run(p.exitValue(), output);
    } catch (IOException e) {
      throw new AssertionError("promtool is not installed: scripts/test.sh installs it (Debian package prometheus, "
          + "scripts/lib/services.sh ensure_promtool); the alerting rules cannot be checked without it", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
