package org.loyaltyengine.fraud;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Anomaly metrics: rate against baseline, with bounded labels")
class FraudRatesTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T12:00:00Z"), ZoneOffset.UTC);

  static Set<String> tenants(SimpleMeterRegistry registry) {
    return registry.find("loyalty_fraud_rate_ratio").gauges().stream().map(g -> g.getId().getTag("tenant"))
        .collect(Collectors.toSet());
  }

  @Test
  @DisplayName("by default every tenant counts under one aggregate series per kind: no tenant label values")
  void aggregateByDefault() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FraudRates rates = new FraudRates(registry, CLOCK, false, 5, 60, 500);
    for (int i = 0; i < 50; i++) {
      rates.earned(UUID.randomUUID());
      rates.redeemed(UUID.randomUUID(), "reward-" + i);
    }
    assertEquals(Set.of("all"), tenants(registry));
    assertEquals(2, registry.find("loyalty_fraud_rate_ratio").gauges().size());
    Gauge rate = registry.find("loyalty_fraud_rate_per_minute").tag("kind", "earning").gauge();
    assertEquals(50.0 / 5, rate.value(), 1e-9, "50 earnings in the current minute over a 5-minute window");
  }

  @Test
  @DisplayName("with per-tenant labels on, series stop at the cap and the rest count as other")
  void perTenantBounded() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FraudRates rates = new FraudRates(registry, CLOCK, true, 5, 60, 10);
    List<UUID> tenants = java.util.stream.Stream.generate(UUID::randomUUID).limit(30).toList();
    tenants.forEach(rates::earned);
    assertTrue(tenants(registry).size() <= 11, "at most the cap plus \"other\": " + tenants(registry).size());
    assertTrue(tenants(registry).contains("other"));
    double total = registry.find("loyalty_fraud_rate_per_minute").gauges().stream().mapToDouble(Gauge::value).sum();
    assertEquals(30.0 / 5, total, 1e-9, "no earning is lost from the totals");
  }

  @Test
  @DisplayName("verdicts are counted by action and deciding check")
  void decisions() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FraudRates rates = new FraudRates(registry, CLOCK, false, 5, 60, 10);
    rates.decided(FraudVerdict.of(List.of(new Finding("points_per_transaction", FraudAction.HOLD, "x"))));
    rates.decided(FraudVerdict.CLEAR);
    rates.unavailable();
    assertEquals(1.0, registry.find("loyalty_fraud_decisions_total").tag("action", "hold")
        .tag("check", "points_per_transaction").counter().count());
    assertEquals(1.0, registry.find("loyalty_fraud_decisions_total").tag("action", "allow").tag("check", "none")
        .counter().count());
    assertEquals(1.0, registry.find("loyalty_fraud_unavailable_total").counter().count());
  }

  @Test
  @DisplayName("the Prometheus names the alert rules (docker/prometheus/fraud-alerts.yml) use are the ones exposed")
  void prometheusNames() {
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    FraudRates rates = new FraudRates(registry, CLOCK, false, 5, 60, 10);
    rates.earned(UUID.randomUUID());
    rates.redeemed(UUID.randomUUID(), "gc");
    rates.unavailable();
    rates.decided(FraudVerdict.of(List.of(new Finding("members_per_device", FraudAction.REJECT, "x"))));
    String text = registry.scrape();
    for (String series : List.of("loyalty_fraud_rate_ratio{kind=\"redemption\",reward=\"all\",tenant=\"all\"}",
        "loyalty_fraud_rate_per_minute{kind=\"earning\",reward=\"all\",tenant=\"all\"}",
        "loyalty_fraud_baseline_per_minute{kind=\"earning\",reward=\"all\",tenant=\"all\"}",
        "loyalty_fraud_unavailable_total ", "loyalty_fraud_decisions_total{action=\"reject\",check=\"members_per_device\"}")) {
      assertTrue(text.contains(series), series + " in\n" + text);
    }
  }

  @Test
  @DisplayName("the alert rules fire on a redemption surge summed over nodes and on unavailable checks (promtool unit tests)")
  void alertRules() throws Exception {
    java.nio.file.Path promtool = java.nio.file.Path.of("/usr/bin/promtool");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(promtool),
        "promtool (Debian package prometheus) is not installed");
    Process p = new ProcessBuilder(promtool.toString(), "test", "rules", "fraud-alerts.test.yml")
        .directory(new java.io.File("docker/prometheus")).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "promtool finished");
    assertEquals(0, p.exitValue(), output);
  }
}
