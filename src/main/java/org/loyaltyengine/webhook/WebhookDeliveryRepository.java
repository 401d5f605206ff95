package org.loyaltyengine.webhook;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.events.DomainEvent;
import org.loyaltyengine.events.DomainEventJson;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** The delivery queue, through the functions of V7__webhooks.sql. */
public final class WebhookDeliveryRepository {
  private static final String ENQUEUE = "select loyalty_webhook_enqueue($1, $2, $3, $4, $5, $6)";
  private static final String CLAIM = "select * from loyalty_webhook_claim($1, $2, $3, $4, $5)";
  private static final String SETTLE = "select loyalty_webhook_settle($1, $2, $3, $4, $5, $6)";
  // Waiting out an open circuit: its due deliveries step aside (leased and waiting ones are not due).
  private static final String PARK = """
      update webhook_deliveries set next_attempt_at = now() + make_interval(secs => $2 / 1000.0)
       where subscription_id = $1 and status = 'pending' and next_attempt_at <= now()""";
  private static final String PENDING = """
      select count(*) as depth, coalesce(extract(epoch from now() - min(created_at)), 0)::bigint as oldest_age_s
        from webhook_deliveries where status = 'pending'""";

  /** How a leased delivery ends (see loyalty_webhook_settle). */
  public enum Outcome {
    DELIVERED, RETRY, FAILED, DEFERRED, CANCELLED;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Pool pool;

  public WebhookDeliveryRepository(Pool pool) {
    this.pool = pool;
  }

  /** One statement (so one transaction) for the whole batch; returns the deliveries added. */
  public Future<Integer> enqueue(List<DomainEvent> batch) {
    Map<Long, DomainEvent> byId = new LinkedHashMap<>(); // a batch may repeat an event
    batch.forEach(e -> byId.putIfAbsent(e.eventId(), e));
    int n = byId.size();
    Long[] ids = new Long[n];
    UUID[] tenants = new UUID[n];
    String[] keys = new String[n];
    String[] types = new String[n];
    String[] payloads = new String[n];
    OffsetDateTime[] occurred = new OffsetDateTime[n];
    int i = 0;
    for (DomainEvent e : byId.values()) {
      ids[i] = e.eventId();
      tenants[i] = e.tenantId();
      keys[i] = e.orderingKey();
      types[i] = e.type();
      payloads[i] = DomainEventJson.toPublicJson(e).encode();
      occurred[i] = e.occurredAt().atOffset(ZoneOffset.UTC);
      i++;
    }
    return pool.preparedQuery(ENQUEUE)
        .execute(Tuple.tuple().addArrayOfLong(ids).addArrayOfUUID(tenants).addArrayOfString(keys)
            .addArrayOfString(types).addArrayOfString(payloads).addArrayOfOffsetDateTime(occurred))
        .map(rows -> rows.iterator().next().getInteger(0));
  }

  public Future<List<ClaimedDelivery>> claim(int limit, int perSubscription, long leaseMs, String owner, UUID[] skip) {
    return pool.preparedQuery(CLAIM).execute(Tuple.tuple().addInteger(limit).addInteger(perSubscription)
            .addInteger((int) Math.min(leaseMs, Integer.MAX_VALUE)).addString(owner).addArrayOfUUID(skip))
        .map(rows -> {
          List<ClaimedDelivery> out = new ArrayList<>(rows.size());
          for (Row r : rows) {
            out.add(new ClaimedDelivery(r.getLong("id"), r.getUUID("subscription_id"), r.getLong("event_id"),
                r.getString("event_type"), r.getString("payload"), r.getInteger("attempts"),
                WebhookRepository.instant(r, "first_attempt_at"), r.getString("url"), r.getString("secret"),
                r.getBoolean("active")));
          }
          return out;
        });
  }

  /** False when the lease was lost (another worker took the delivery, or it was cancelled). */
  public Future<Boolean> settle(long deliveryId, String owner, Outcome outcome, Integer statusCode, String error, long delayMs) {
    return pool.preparedQuery(SETTLE).execute(Tuple.tuple().addLong(deliveryId).addString(owner)
            .addString(outcome.wire()).addInteger(statusCode).addString(error).addLong(delayMs))
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  public Future<Integer> park(UUID subscriptionId, long delayMs) {
    return pool.preparedQuery(PARK).execute(Tuple.of(subscriptionId, delayMs)).map(rows -> rows.rowCount());
  }

  /** Which of these subscriptions still exist and are active. */
  public Future<java.util.Set<UUID>> activeAmong(UUID[] ids) {
    return pool.preparedQuery("select id from webhook_subscriptions where id = any($1) and active")
        .execute(Tuple.of(ids)).map(rows -> {
          java.util.Set<UUID> out = new java.util.HashSet<>();
          rows.forEach(r -> out.add(r.getUUID(0)));
          return out;
        });
  }

  /** One row: pending deliveries ({@code depth}) and the oldest one's age in seconds ({@code oldest_age_s}). */
  public Future<Row> pending() {
    return pool.preparedQuery(PENDING).execute().map(rows -> rows.iterator().next());
  }
}
