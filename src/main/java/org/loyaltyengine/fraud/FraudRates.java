package org.loyaltyengine.fraud;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Anomaly metrics of one node: earning and redemption rates against their recent baseline
 * ({@code loyalty_fraud_rate_ratio}, with {@code _rate_per_minute} and {@code _baseline_per_minute}), and
 * what the checks decided. Labels stay bounded: {@code tenant} and {@code reward} are "all" unless the
 * operator enables per-tenant labels, and even then at most {@code maxSeries} series exist (the rest count
 * under "other").
 */
public final class FraudRates {
  static final String ALL = "all";
  static final String OTHER = "other";

  private record Key(String kind, String tenant, String reward) {}

  private final MeterRegistry registry;
  private final Clock clock;
  private final boolean perTenant;
  private final int rateMinutes;
  private final int baselineMinutes;
  private final int maxSeries;
  private final Map<Key, SlidingCounts> series = new ConcurrentHashMap<>();
  private final Map<String, Counter> decisions = new ConcurrentHashMap<>();
  private final Counter unavailable;

  public FraudRates(MeterRegistry registry, Clock clock, boolean perTenant, int rateMinutes, int baselineMinutes,
                    int maxSeries) {
    this.registry = registry;
    this.clock = clock;
    this.perTenant = perTenant;
    this.rateMinutes = rateMinutes;
    this.baselineMinutes = baselineMinutes;
    this.maxSeries = maxSeries;
    this.unavailable = Counter.builder("loyalty_fraud_unavailable_total")
        .description("writes whose fraud checks could not run (timeout, no worker, error)").register(registry);
  }

  public void earned(UUID tenantId) {
    count("earning", tenantId, ALL);
  }

  public void redeemed(UUID tenantId, String rewardId) {
    count("redemption", tenantId, rewardId);
  }

  public void decided(FraudVerdict verdict) {
    String action = verdict.action().wire();
    String check = verdict.findings().isEmpty() ? "none" : verdict.deciding().check();
    decisions.computeIfAbsent(action + "/" + check, k -> Counter.builder("loyalty_fraud_decisions_total")
        .description("fraud verdicts by action and deciding check").tag("action", action).tag("check", check)
        .register(registry)).increment();
  }

  public void unavailable() {
    unavailable.increment();
  }

  private void count(String kind, UUID tenantId, String reward) {
    Key key = perTenant ? new Key(kind, tenantId.toString(), reward) : new Key(kind, ALL, ALL);
    SlidingCounts counts = series.get(key);
    if (counts == null) {
      if (series.size() >= maxSeries) {
        key = new Key(kind, OTHER, OTHER);
      }
      counts = series.computeIfAbsent(key, this::register);
    }
    counts.add(minute(), 1);
  }

  private SlidingCounts register(Key key) {
    SlidingCounts counts = new SlidingCounts(rateMinutes, baselineMinutes);
    Gauge.builder("loyalty_fraud_rate_ratio", counts, c -> c.ratio(minute()))
        .description("current rate over its baseline (NaN without a baseline)")
        .tags("kind", key.kind(), "tenant", key.tenant(), "reward", key.reward()).register(registry);
    Gauge.builder("loyalty_fraud_rate_per_minute", counts, c -> c.ratePerMinute(minute()))
        .description("mean per minute over the rate window")
        .tags("kind", key.kind(), "tenant", key.tenant(), "reward", key.reward()).register(registry);
    Gauge.builder("loyalty_fraud_baseline_per_minute", counts, c -> c.baselinePerMinute(minute()))
        .description("mean per minute over the baseline window before the rate window")
        .tags("kind", key.kind(), "tenant", key.tenant(), "reward", key.reward()).register(registry);
    return counts;
  }

  private long minute() {
    return clock.millis() / 60_000L;
  }
}
