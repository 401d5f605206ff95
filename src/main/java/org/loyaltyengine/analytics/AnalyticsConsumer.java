package org.loyaltyengine.analytics;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import org.loyaltyengine.events.DomainEvent;
import org.loyaltyengine.events.EventConsumer;
import org.loyaltyengine.tenant.TenantSettingsRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The "analytics" consumer group: folds each batch of domain events into the per-tenant rollups (V6),
 * exactly once in effect. A batch is one PostgreSQL transaction that first claims its event ids in
 * analytics_applied_events and then adds only the events it claimed, so an event delivered again (a
 * replay, an overlapping batch, the same batch on two nodes at once) finds its id taken and adds nothing.
 * The feed commits the Kafka offsets only after the returned future succeeds; a crash between the commit
 * here and the offset commit redelivers events that are then skipped.
 */
public final class AnalyticsConsumer implements EventConsumer {
  private static final Logger log = LoggerFactory.getLogger(AnalyticsConsumer.class);
  public static final String GROUP = "analytics";

  private final AnalyticsRepository analytics;
  private final TenantSettingsRepository tenants;
  // A tenant's time zone is fixed when the tenant is created, so it is read once per tenant and process.
  private final ConcurrentHashMap<UUID, ZoneId> zones = new ConcurrentHashMap<>();

  public AnalyticsConsumer(AnalyticsRepository analytics, TenantSettingsRepository tenants) {
    this.analytics = analytics;
    this.tenants = tenants;
  }

  /** Writes to {@code primary}; the tenants' time zones are read from it too. */
  public AnalyticsConsumer(Pool primary) {
    this(new AnalyticsRepository(primary, primary), new TenantSettingsRepository(primary));
  }

  @Override
  public String group() {
    return GROUP;
  }

  @Override
  public Future<Void> handle(List<DomainEvent> batch) {
    List<AnalyticsFact> facts;
    try {
      facts = AnalyticsEventJson.facts(batch);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (facts.isEmpty()) {
      return Future.succeededFuture();
    }
    return loadZones(facts)
        .compose(v -> analytics.apply(facts, this::zoneOf))
        .onSuccess(applied -> log.debug("event=analytics_batch events={} facts={} applied={}", batch.size(),
            facts.size(), applied))
        .mapEmpty();
  }

  private ZoneId zoneOf(UUID tenantId) {
    return zones.getOrDefault(tenantId, ZoneOffset.UTC);
  }

  private Future<Void> loadZones(List<AnalyticsFact> facts) {
    Set<UUID> missing = new LinkedHashSet<>();
    for (AnalyticsFact f : facts) {
      if (!zones.containsKey(f.tenantId())) {
        missing.add(f.tenantId());
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<?>> loads = new ArrayList<>(missing.size());
    for (UUID tenantId : missing) {
      loads.add(tenants.find(tenantId)
          .map(settings -> settings.zone())
          .recover(e -> {
            if (!(e instanceof NoSuchElementException)) {
              return Future.failedFuture(e);
            }
            // Tenants are never deleted, so this is an event of no tenant; held back, it would stop the stream.
            log.warn("event=analytics_unknown_tenant tenant={} zone=UTC", tenantId);
            return Future.succeededFuture(ZoneOffset.UTC);
          })
          .onSuccess(zone -> zones.put(tenantId, zone)));
    }
    return Future.all(loads).mapEmpty();
  }
}
