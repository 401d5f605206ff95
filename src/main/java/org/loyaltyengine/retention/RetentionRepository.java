package org.loyaltyengine.retention;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Tenants' retention policies, and the batched deletes that apply them. Every delete removes at most one
 * batch of the oldest rows in its own short statement, so pruning never holds long locks and a crash
 * loses nothing but the batch in flight (which the next run deletes).
 */
public final class RetentionRepository {
  /** What is pruned, and how: each statement takes (tenant, days, batch size) and deletes one batch. */
  public enum Target {
    RAW_EVENTS("member_events", """
        delete from member_events where ctid = any(array(
          select ctid from member_events where tenant_id = $1 and created_at < now() - make_interval(days => $2)
           order by created_at limit $3))"""),
    OUTBOX("outbox", """
        delete from outbox where ctid = any(array(
          select ctid from outbox where tenant_id = $1 and published_at is not null
             and created_at < now() - make_interval(days => $2)
           order by id limit $3))"""),
    WEBHOOK_DELIVERIES("webhook_deliveries", """
        delete from webhook_deliveries where ctid = any(array(
          select ctid from webhook_deliveries where tenant_id = $1 and status <> 'pending'
             and created_at < now() - make_interval(days => $2)
           order by id limit $3))"""),
    AUDIT("audit_log", """
        delete from audit_log where ctid = any(array(
          select ctid from audit_log where tenant_id = $1 and created_at < now() - make_interval(days => $2)
           order by created_at limit $3))""");

    final String table;
    final String deleteBatch;

    Target(String table, String deleteBatch) {
      this.table = table;
      this.deleteBatch = deleteBatch;
    }

    public String table() {
      return table;
    }

    /** The tenant's retention for this kind of data. */
    public int days(RetentionPolicy p) {
      return switch (this) {
        case RAW_EVENTS -> p.rawEventsDays();
        case OUTBOX -> p.outboxDays();
        case WEBHOOK_DELIVERIES -> p.webhookDeliveriesDays();
        case AUDIT -> p.auditDays();
      };
    }
  }

  private static final String FIND = """
      select raw_events_days, outbox_days, webhook_deliveries_days, audit_days
        from tenant_retention where tenant_id = $1""";
  private static final String UPSERT = """
      insert into tenant_retention (tenant_id, raw_events_days, outbox_days, webhook_deliveries_days, audit_days)
      values ($1, $2, $3, $4, $5)
      on conflict (tenant_id) do update set raw_events_days = excluded.raw_events_days,
        outbox_days = excluded.outbox_days, webhook_deliveries_days = excluded.webhook_deliveries_days,
        audit_days = excluded.audit_days, updated_at = now()""";
  private static final String ALL = """
      select t.id, coalesce(r.raw_events_days, $1) as raw_events_days, coalesce(r.outbox_days, $2) as outbox_days,
             coalesce(r.webhook_deliveries_days, $3) as webhook_deliveries_days, coalesce(r.audit_days, $4) as audit_days
        from tenants t left join tenant_retention r on r.tenant_id = t.id order by t.id""";

  /** Analytics' duplicate detection is global (event ids are unique across tenants), so its pruning is too. */
  private static final String PRUNE_ANALYTICS_DEDUPE = """
      delete from analytics_applied_events where event_id = any(array(
        select event_id from analytics_applied_events where applied_at < now() - make_interval(days => $1)
         order by event_id limit $2))""";

  private final Pool pool;

  public RetentionRepository(Pool pool) {
    this.pool = pool;
  }

  /** The tenant's policy, or the defaults when it never set one. */
  public Future<RetentionPolicy> find(UUID tenantId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId)).map(rows ->
        rows.size() == 0 ? RetentionPolicy.DEFAULT : policy(rows.iterator().next()));
  }

  public Future<RetentionPolicy> save(UUID tenantId, RetentionPolicy p) {
    return pool.preparedQuery(UPSERT)
        .execute(Tuple.of(tenantId, p.rawEventsDays(), p.outboxDays(), p.webhookDeliveriesDays(), p.auditDays()))
        .map(rows -> p);
  }

  public record TenantPolicy(UUID tenantId, RetentionPolicy policy) {}

  public Future<List<TenantPolicy>> all() {
    RetentionPolicy d = RetentionPolicy.DEFAULT;
    return pool.preparedQuery(ALL)
        .execute(Tuple.of(d.rawEventsDays(), d.outboxDays(), d.webhookDeliveriesDays(), d.auditDays()))
        .map(rows -> {
          List<TenantPolicy> list = new ArrayList<>(rows.size());
          rows.forEach(r -> list.add(new TenantPolicy(r.getUUID("id"), policy(r))));
          return list;
        });
  }

  /** Deletes one batch of the tenant's data older than its retention; returns how many rows went. */
  public Future<Integer> pruneBatch(Target target, TenantPolicy tenant, int batchRows) {
    return pool.preparedQuery(target.deleteBatch)
        .execute(Tuple.of(tenant.tenantId(), target.days(tenant.policy()), batchRows))
        .map(rows -> rows.rowCount());
  }

  /**
   * Forgets analytics' record of events applied more than {@code days} ago. Safe once no copy of those
   * events can be delivered again: {@code days} must exceed the Kafka topic's retention.
   */
  public Future<Integer> pruneAnalyticsDedupe(int days, int batchRows) {
    return pool.preparedQuery(PRUNE_ANALYTICS_DEDUPE).execute(Tuple.of(days, batchRows)).map(rows -> rows.rowCount());
  }

  private static RetentionPolicy policy(Row r) {
    return new RetentionPolicy(r.getInteger("raw_events_days"), r.getInteger("outbox_days"),
        r.getInteger("webhook_deliveries_days"), r.getInteger("audit_days"));
  }
}
