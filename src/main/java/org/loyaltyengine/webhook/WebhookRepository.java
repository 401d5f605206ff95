package org.loyaltyengine.webhook;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.Rejection;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** A tenant's webhook subscriptions, and the read side of their delivery logs. */
public final class WebhookRepository {
  /** Active subscriptions per tenant: each one multiplies every event into a delivery. */
  public static final int MAX_ACTIVE_PER_TENANT = 25;

  // Creations of one tenant queue on its row (NO KEY UPDATE: enrolments' foreign-key checks pass), so the
  // count and the idempotency lookup that follow see every earlier creation.
  private static final String LOCK_TENANT = "select id from tenants where id = $1 for no key update";
  private static final String COLUMNS = "id, url, event_types, description, active, created_at, deleted_at";
  private static final String BY_KEY = "select " + COLUMNS + ", secret, request_hash from webhook_subscriptions"
      + " where tenant_id = $1 and idempotency_key = $2";
  private static final String COUNT_ACTIVE = "select count(*) from webhook_subscriptions where tenant_id = $1 and active";
  private static final String INSERT = """
      insert into webhook_subscriptions (id, tenant_id, url, event_types, description, secret, idempotency_key, request_hash)
      values ($1, $2, $3, $4, $5, $6, $7, $8) returning\s""" + COLUMNS;
  private static final String LIST = "select " + COLUMNS + " from webhook_subscriptions where tenant_id = $1 and active"
      + " order by created_at desc, id";
  private static final String FIND = "select " + COLUMNS + " from webhook_subscriptions where tenant_id = $1 and id = $2";
  // Pending deliveries stop with the subscription; one still in flight settles as nothing (its row is no
  // longer pending). Rows are locked in id order, the order a settlement locks a delivery and then the
  // next one of its stream, so the two cannot deadlock.
  private static final String DEACTIVATE = """
      with s as (
        update webhook_subscriptions set active = false, deleted_at = coalesce(deleted_at, now())
         where tenant_id = $1 and id = $2 returning id),
      stopped as (
        update webhook_deliveries d
           set status = 'failed', failed_at = now(), last_error = 'subscription deleted',
               leased_until = null, lease_owner = null
         where d.id in (select p.id from webhook_deliveries p
                         where p.subscription_id = $2 and p.tenant_id = $1 and p.status = 'pending'
                         order by p.id for update)
        returning d.id)
      select (select count(*) from s) as found, (select count(*) from stopped) as stopped""";
  private static final String LOG_COLUMNS = """
      select id, event_id, event_type, status, attempts, last_status_code, last_error,
             case when status = 'pending' and next_attempt_at <> 'infinity' then next_attempt_at end as next_attempt,
             created_at, first_attempt_at, last_attempt_at, delivered_at, failed_at, payload
        from webhook_deliveries where subscription_id = $1 and tenant_id = $2 and id < $3""";
  private static final String LOG_PAGE = LOG_COLUMNS + " order by id desc limit $4";
  private static final String LOG_PAGE_BY_STATUS = LOG_COLUMNS + " and status = $5 order by id desc limit $4";

  /** A new (or, for a repeated Idempotency-Key, the original) subscription and its secret. */
  public record Created(Webhook webhook, String secret, boolean replayed) {}

  /** A page of the log, newest first, and where the next one starts (null on the last page). */
  public record DeliveryPage(List<DeliveryLogEntry> items, DeliveryCursor next) {}

  private final Pool pool;

  public WebhookRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Creates a subscription; with an idempotency key, a repeat of the same request returns the original
   * (a different request under the same key is a conflict).
   */
  public Future<Created> create(UUID tenantId, WebhookDraft draft, String secret, String idempotencyKey, String requestHash) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_TENANT).execute(Tuple.of(tenantId))
        .compose(locked -> idempotencyKey == null ? Future.succeededFuture(Optional.<Row>empty())
            : conn.preparedQuery(BY_KEY).execute(Tuple.of(tenantId, idempotencyKey)).map(WebhookRepository::first))
        .compose(earlier -> {
          if (earlier.isPresent()) {
            Row r = earlier.get();
            if (!requestHash.equals(r.getString("request_hash"))) {
              return Future.failedFuture(Rejection.conflict("idempotency_conflict",
                  "Idempotency-Key \"" + idempotencyKey + "\" was used for a different webhook", "Idempotency-Key"));
            }
            return Future.succeededFuture(new Created(webhook(r), r.getString("secret"), true));
          }
          return insert(conn, tenantId, draft, secret, idempotencyKey, requestHash);
        }));
  }

  private static Future<Created> insert(SqlConnection conn, UUID tenantId, WebhookDraft draft, String secret,
                                        String idempotencyKey, String requestHash) {
    return conn.preparedQuery(COUNT_ACTIVE).execute(Tuple.of(tenantId))
        .compose(count -> {
          if (count.iterator().next().getLong(0) >= MAX_ACTIVE_PER_TENANT) {
            return Future.failedFuture(Rejection.conflict("webhook_limit_reached", "a tenant may have at most "
                + MAX_ACTIVE_PER_TENANT + " active webhooks; delete one first", null));
          }
          return conn.preparedQuery(INSERT).execute(Tuple.tuple().addUUID(UUID.randomUUID()).addUUID(tenantId)
                  .addString(draft.url()).addArrayOfString(draft.eventTypes().toArray(String[]::new))
                  .addString(draft.description()).addString(secret).addString(idempotencyKey).addString(requestHash))
              .map(rows -> new Created(webhook(rows.iterator().next()), secret, false));
        });
  }

  public Future<List<Webhook>> listActive(UUID tenantId) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId)).map(rows -> {
      List<Webhook> out = new ArrayList<>(rows.size());
      rows.forEach(r -> out.add(webhook(r)));
      return out;
    });
  }

  public Future<Optional<Webhook>> find(UUID tenantId, UUID id) {
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId, id)).map(rows -> first(rows).map(WebhookRepository::webhook));
  }

  /** Deactivates the subscription and fails its pending deliveries; false when the tenant has no such webhook. */
  public Future<Boolean> deactivate(UUID tenantId, UUID id) {
    return pool.preparedQuery(DEACTIVATE).execute(Tuple.of(tenantId, id))
        .map(rows -> rows.iterator().next().getLong("found") > 0);
  }

  /** @param status null for all */
  public Future<DeliveryPage> deliveries(UUID tenantId, UUID webhookId, String status, DeliveryCursor after, int limit) {
    long before = after == null ? Long.MAX_VALUE : after.deliveryId();
    // one extra row tells whether another page exists
    Future<RowSet<Row>> rows = status == null
        ? pool.preparedQuery(LOG_PAGE).execute(Tuple.of(webhookId, tenantId, before, limit + 1))
        : pool.preparedQuery(LOG_PAGE_BY_STATUS).execute(Tuple.of(webhookId, tenantId, before, limit + 1, status));
    return rows.map(set -> {
      List<DeliveryLogEntry> items = new ArrayList<>(limit);
      for (Row r : set) {
        if (items.size() == limit) {
          return new DeliveryPage(items, new DeliveryCursor(items.get(limit - 1).id()));
        }
        items.add(new DeliveryLogEntry(r.getLong("id"), r.getLong("event_id"), r.getString("event_type"),
            r.getString("status"), r.getInteger("attempts"), r.getInteger("last_status_code"), r.getString("last_error"),
            instant(r, "next_attempt"), instant(r, "created_at"), instant(r, "first_attempt_at"),
            instant(r, "last_attempt_at"), instant(r, "delivered_at"), instant(r, "failed_at"), r.getString("payload")));
      }
      return new DeliveryPage(items, null);
    });
  }

  private static Optional<Row> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next());
  }

  private static Webhook webhook(Row r) {
    return new Webhook(r.getUUID("id"), r.getString("url"), Arrays.asList(r.getArrayOfStrings("event_types")),
        r.getString("description"), r.getBoolean("active"), instant(r, "created_at"), instant(r, "deleted_at"));
  }

  static Instant instant(Row r, String column) {
    OffsetDateTime t = r.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }
}
