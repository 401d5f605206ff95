package org.loyaltyengine.platform;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

import java.time.Duration;

/**
 * Keeps {@code /metrics} small whatever the traffic: histogram buckets only for the API's latency (12 fixed
 * service-level buckets instead of Micrometer's ~70), count/sum/max for every other timer, and no byte-size
 * histograms. Label cardinality is bounded where meters are made: per-tenant or per-webhook labels exist only
 * with {@code LOYALTY_METRICS_PER_TENANT_LABELS=true}.
 */
public final class MetricsLimits {
  private static final double[] LATENCY_BUCKETS_NS = {ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250),
      ms(500), ms(1000), ms(2500), ms(10_000)};

  private MetricsLimits() {}

  public static MeterFilter[] filters() {
    return new MeterFilter[] {
        MeterFilter.denyNameStartsWith("vertx.http.server.request.bytes"),
        MeterFilter.denyNameStartsWith("vertx.http.server.response.bytes"),
        MeterFilter.denyNameStartsWith("vertx.http.client.request.bytes"),
        MeterFilter.denyNameStartsWith("vertx.http.client.response.bytes"),
        new MeterFilter() {
          @Override
          public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
            DistributionStatisticConfig.Builder bounded = DistributionStatisticConfig.builder().percentilesHistogram(false);
            if (id.getName().equals("loyalty.http.server.response.time")) {
              bounded.serviceLevelObjectives(LATENCY_BUCKETS_NS);
            }
            return bounded.build().merge(config);
          }
        }};
  }

  private static double ms(long millis) {
    return Duration.ofMillis(millis).toNanos();
  }
}
