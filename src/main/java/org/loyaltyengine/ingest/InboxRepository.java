package org.loyaltyengine.ingest;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.platform.Rejection;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The inbox of asynchronous ingestion (V8): accepted batches and their items, the workers' claims, and the
 * daily partitions of the items.
 */
public final class InboxRepository {
  /** One statement, so one transaction: the batch row and all its items, or nothing. */
  private static final String ACCEPT = """
      with b as (
        insert into event_batches (tenant_id, batch_id, request_hash, item_count, transaction_count, event_count)
        values ($1, $2, $3, $4, $5, $6)
        on conflict (tenant_id, batch_id) do nothing
        returning id, created_at
      ), i as (
        insert into inbox_items (batch, seq, created_at, tenant_id, kind, item_id, member_external_id, request_hash,
                                 body, work_partition)
        select b.id, (x.ord - 1)::int, b.created_at, $1, x.kind, x.item_id, x.member, x.hash, j.body, x.part
          from b,
               unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::smallint[])
                 with ordinality as x(kind, item_id, member, hash, part, ord)
          join jsonb_array_elements($12::text::jsonb -> 'items') with ordinality as j(body, ord) on j.ord = x.ord
      )
      select id from b""";
  private static final String FIND_BATCH =
      "select request_hash, item_count from event_batches where tenant_id = $1 and batch_id = $2";
  private static final String PROGRESS = """
      select b.batch_id, b.item_count, b.created_at,
             count(i.seq) filter (where i.status = 'pending') as pending,
             count(i.seq) filter (where i.status = 'applied') as applied,
             count(i.seq) filter (where i.status = 'duplicate') as duplicate,
             count(i.seq) filter (where i.status = 'failed') as failed,
             max(i.processed_at) as last_processed,
             coalesce(json_agg(json_build_object('index', i.seq, 'kind', i.kind, 'itemId', i.item_id,
                        'code', i.error_code, 'message', i.error_message, 'field', i.error_field) order by i.seq)
                      filter (where i.status = 'failed'), '[]')::text as errors
        from event_batches b left join inbox_items i on i.batch = b.id and i.created_at = b.created_at
       where b.tenant_id = $1 and b.batch_id = $2
       group by b.id""";
  private static final String CLAIM = """
      select batch, seq, created_at, tenant_id, request_hash, body
        from inbox_items where work_partition = $1 and status = 'pending'
       order by batch, seq limit $2""";
  private static final String PREPARE = "select loyalty_inbox_prepare($1) as made";
  private static final String RETIRE = "select loyalty_inbox_retire($1) as dropped";
  private static final String STRANDED =
      "select count(*) as n from inbox_items where status = 'pending' and work_partition >= $1";
  /**
   * The ingestion lag, bounded in cost however long the backlog: pending items counted up to
   * {@link #BACKLOG_COUNT_CAP}, and the oldest one found as the first pending item of each partition (its own
   * index order, batch by batch) — not a scan of every pending item every few seconds (468 ms a time with 600,000
   * pending, 2026-12-07).
   */
  private static final String BACKLOG = """
      select (select count(*) from (select 1 from inbox_items where status = 'pending' limit $2) c) as depth,
             coalesce(extract(epoch from now() - (
               select min(f.created_at) from generate_series(0, $1 - 1) as p(n)
               cross join lateral (select i.created_at from inbox_items i
                                    where i.work_partition = p.n and i.status = 'pending'
                                    order by i.batch, i.seq limit 1) f)), 0)::bigint as oldest_age_s""";
  /** Pending items are counted up to this many: the gauge then reads this, and the age says how bad it is. */
  public static final int BACKLOG_COUNT_CAP = 100_000;
  /** Days of partitions created ahead, so an intake never waits for one. */
  public static final int DAYS_AHEAD = 7;

  /** What an intake did: stored the batch now, or found it stored already (with its fingerprint). */
  public record Acceptance(boolean created, String storedHash, int items) {}

  /** What a claim read: items to apply, in inbox order, and stored items that no longer parse. */
  public record Claim(List<InboxItem> items, List<Unreadable> unreadable) {
    public int size() {
      return items.size() + unreadable.size();
    }
  }

  /** A stored item the current version no longer accepts; it is settled as failed. */
  public record Unreadable(InboxItem.Key key, UUID tenantId, Rejection reason) {}

  private final Pool pool;

  public InboxRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Stores the batch; {@code body} is the request's JSON text, whose {@code items} are stored as sent (already
   * validated as {@code batch}: it is their parse).
   */
  public Future<Acceptance> accept(UUID tenantId, String batchId, EventBatchJson.BatchRequest batch, String body,
                                   int partitions) {
    return acceptOnce(tenantId, batchId, batch, body, partitions).recover(err -> isMissingPartition(err)
        ? prepare(DAYS_AHEAD).compose(made -> acceptOnce(tenantId, batchId, batch, body, partitions))
        : Future.failedFuture(err));
  }

  private Future<Acceptance> acceptOnce(UUID tenantId, String batchId, EventBatchJson.BatchRequest batch, String body,
                                        int partitions) {
    List<EventBatchJson.AcceptedItem> items = batch.items();
    int n = items.size();
    String[] kinds = new String[n];
    String[] ids = new String[n];
    String[] members = new String[n];
    String[] hashes = new String[n];
    Short[] parts = new Short[n];
    for (int i = 0; i < n; i++) {
      EventBatchJson.AcceptedItem item = items.get(i);
      kinds[i] = item.kind().wireName();
      ids[i] = item.itemId();
      members[i] = item.memberExternalId();
      hashes[i] = item.requestHash();
      parts[i] = (short) WorkPartition.of(tenantId, item.memberExternalId(), partitions);
    }
    Tuple args = Tuple.tuple().addUUID(tenantId).addString(batchId).addString(batch.requestHash()).addInteger(n)
        .addInteger((int) batch.count(ItemKind.TRANSACTION)).addInteger((int) batch.count(ItemKind.EVENT))
        .addArrayOfString(kinds).addArrayOfString(ids).addArrayOfString(members).addArrayOfString(hashes)
        .addArrayOfShort(parts).addString(body);
    return pool.preparedQuery(ACCEPT).execute(args).compose(rows -> rows.size() > 0
        ? Future.succeededFuture(new Acceptance(true, batch.requestHash(), n))
        : pool.preparedQuery(FIND_BATCH).execute(Tuple.of(tenantId, batchId)).map(found -> {
            Row r = found.iterator().next();
            return new Acceptance(false, r.getString("request_hash"), r.getInteger("item_count"));
          }));
  }

  private static boolean isMissingPartition(Throwable err) {
    // 23514: "no partition of relation ... found for row"
    return err instanceof PgException pg && "23514".equals(pg.getSqlState())
        && String.valueOf(pg.getErrorMessage()).contains("no partition");
  }

  public Future<Optional<BatchProgress>> progress(UUID tenantId, String batchId) {
    return pool.preparedQuery(PROGRESS).execute(Tuple.of(tenantId, batchId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row r = rows.iterator().next();
      Map<ItemStatus, Long> counts = new EnumMap<>(ItemStatus.class);
      counts.put(ItemStatus.PENDING, r.getLong("pending"));
      counts.put(ItemStatus.APPLIED, r.getLong("applied"));
      counts.put(ItemStatus.DUPLICATE, r.getLong("duplicate"));
      counts.put(ItemStatus.FAILED, r.getLong("failed"));
      List<BatchProgress.ItemError> errors = new ArrayList<>();
      for (Object o : new JsonArray(r.getString("errors"))) {
        JsonObject e = (JsonObject) o;
        errors.add(new BatchProgress.ItemError(e.getInteger("index"), ItemKind.parse(e.getString("kind")),
            e.getString("itemId"), e.getString("code"), e.getString("message"), e.getString("field")));
      }
      OffsetDateTime last = r.getOffsetDateTime("last_processed");
      return Optional.of(new BatchProgress(r.getString("batch_id"), r.getOffsetDateTime("created_at").toInstant(),
          r.getInteger("item_count"), counts, last == null ? null : last.toInstant(), errors));
    });
  }

  /**
   * The first {@code limit} pending items of a work partition, in inbox order. Only the partition's lease
   * holder calls this, on the lease's connection, so nothing else settles them meanwhile.
   */
  public Future<Claim> claim(SqlClient connection, int partition, int limit) {
    return connection.preparedQuery(CLAIM).execute(Tuple.of((short) partition, limit)).map(rows -> {
      List<InboxItem> items = new ArrayList<>(rows.size());
      List<Unreadable> unreadable = new ArrayList<>();
      for (Row r : rows) {
        InboxItem.Key key = new InboxItem.Key(r.getLong("batch"), r.getInteger("seq"),
            r.getOffsetDateTime("created_at").toInstant());
        UUID tenantId = r.getUUID("tenant_id");
        try {
          items.add(EventBatchJson.stored(key, tenantId, r.getString("request_hash"), (JsonObject) r.getValue("body")));
        } catch (Rejection e) {
          unreadable.add(new Unreadable(key, tenantId, e));
        }
      }
      return new Claim(items, unreadable);
    });
  }

  /** Creates the missing daily partitions up to {@code daysAhead} days ahead; returns how many. */
  public Future<Integer> prepare(int daysAhead) {
    return pool.preparedQuery(PREPARE).execute(Tuple.of(daysAhead)).map(rows -> rows.iterator().next().getInteger("made"));
  }

  /** Drops the partitions (and batches) older than {@code keepDays} days that hold nothing pending. */
  public Future<Integer> retire(int keepDays) {
    return pool.preparedQuery(RETIRE).execute(Tuple.of(keepDays)).map(rows -> rows.iterator().next().getInteger("dropped"));
  }

  /** Pending items in partitions at or above {@code partitions}: no worker claims them. */
  /** One row: pending items ({@code depth}) and the oldest one's age in seconds ({@code oldest_age_s}). */
  public Future<Row> backlog(int partitions) {
    return pool.preparedQuery(BACKLOG).execute(Tuple.of(partitions, BACKLOG_COUNT_CAP))
        .map(rows -> rows.iterator().next());
  }

  public Future<Long> stranded(int partitions) {
    return pool.preparedQuery(STRANDED).execute(Tuple.of((short) partitions)).map(rows -> rows.iterator().next().getLong("n"));
  }
}
