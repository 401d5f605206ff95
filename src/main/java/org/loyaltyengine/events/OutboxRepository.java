package org.loyaltyengine.events;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * The outbox as the relay sees it. The relay's reads and marks run on its partition lease's own
 * connection (passed in), so a node that has lost the lease cannot mark anything.
 */
public final class OutboxRepository {
  /**
   * Unpublished rows of one work partition, oldest first. Walks the partial index {@code outbox_unpublished}
   * in id order; the partition filter is {@link OutboxPartitions#of} in SQL.
   */
  private static final String UNPUBLISHED = """
      select o.id, o.tenant_id, o.member_id, m.external_id, o.event_type, o.payload::text as payload, o.created_at,
             o.traceparent
        from outbox o left join members m on m.id = o.member_id
       where o.published_at is null and coalesce(o.member_id, 0) % $1 = $2
       order by o.id
       limit $3""";
  private static final String MARK_PUBLISHED = "update outbox set published_at = now() where id = any($1) and published_at is null";
  /** One pass over the partial index; the oldest row by id is the oldest by time (ids grow with time). */
  private static final String LAG = """
      select count(*) as n,
             coalesce(floor(extract(epoch from now() - (select created_at from outbox where published_at is null
                                                        order by id limit 1)))::bigint, 0) as age
        from outbox where published_at is null""";

  public Future<List<DomainEvent>> unpublished(SqlClient connection, int partitions, int partition, int limit) {
    return connection.preparedQuery(UNPUBLISHED).execute(Tuple.of(partitions, partition, limit)).map(rows -> {
      List<DomainEvent> events = new ArrayList<>(rows.size());
      for (Row r : rows) {
        events.add(new DomainEvent(r.getLong("id"), r.getUUID("tenant_id"), r.getLong("member_id"),
            r.getString("external_id"), r.getString("event_type"), r.getString("payload"),
            r.getOffsetDateTime("created_at").toInstant(), r.getString("traceparent")));
      }
      return events;
    });
  }

  public Future<Integer> markPublished(SqlClient connection, List<DomainEvent> events) {
    Long[] ids = events.stream().map(DomainEvent::eventId).toArray(Long[]::new);
    return connection.preparedQuery(MARK_PUBLISHED).execute(Tuple.tuple().addArrayOfLong(ids)).map(rows -> rows.rowCount());
  }

  public Future<OutboxLag> lag(SqlClient client) {
    return client.preparedQuery(LAG).execute().map(rows -> {
      Row r = rows.iterator().next();
      return new OutboxLag(r.getLong("n"), r.getLong("age"));
    });
  }
}
