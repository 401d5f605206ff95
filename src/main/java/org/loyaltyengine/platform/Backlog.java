package org.loyaltyengine.platform;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.sqlclient.Row;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A work queue's backlog as the alerting rules watch it (docs/observability.md): how many items wait and how old
 * the oldest is. Two gauges, refreshed by the queue's owner from one SQL row with the columns {@code depth} and
 * {@code oldest_age_s}.
 */
public final class Backlog {
  private final AtomicLong depth = new AtomicLong();
  private final AtomicLong oldestAgeSeconds = new AtomicLong();

  private Backlog() {
  }

  /**
   * Registers the two gauges. A second registration of the same names (several verticle instances on one node)
   * keeps the first: the returned backlog is then not the one scraped, which is harmless as every instance
   * counts the same table.
   */
  public static Backlog register(MeterRegistry registry, String depthName, String ageName, String what) {
    Backlog b = new Backlog();
    Gauge.builder(depthName, b.depth, AtomicLong::get).description(what).register(registry);
    Gauge.builder(ageName, b.oldestAgeSeconds, AtomicLong::get)
        .description("Age in seconds of the oldest of the " + what.toLowerCase(java.util.Locale.ROOT) + " (0 when none)")
        .register(registry);
    return b;
  }

  /** Takes a row of {@code select count(*) as depth, <age in whole seconds, 0 when none> as oldest_age_s}. */
  public void update(Row row) {
    depth.set(row.getLong("depth"));
    oldestAgeSeconds.set(row.getLong("oldest_age_s"));
  }

  public long depth() {
    return depth.get();
  }

  public long oldestAgeSeconds() {
    return oldestAgeSeconds.get();
  }
}
