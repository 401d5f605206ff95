package org.loyaltyengine.events;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * The consumer groups the relay owes events to when there is no Kafka (V5__event_consumer_groups.sql):
 * registered by the feed on subscribe, kept fresh while subscribed, read by the relay before each batch.
 */
public final class ConsumerGroupRepository {
  private static final String SEEN = """
      insert into event_consumer_groups (name) values ($1)
      on conflict (name) do update set last_seen_at = now()""";
  private static final String ACTIVE = """
      select name from event_consumer_groups
       where last_seen_at > now() - make_interval(secs => $1) order by name""";

  public Future<Void> seen(SqlClient client, String group) {
    return client.preparedQuery(SEEN).execute(Tuple.of(group)).mapEmpty();
  }

  /** Groups seen within {@code retentionSeconds}: each must take a batch before it counts as published. */
  public Future<List<String>> active(SqlClient client, long retentionSeconds) {
    return client.preparedQuery(ACTIVE).execute(Tuple.of((double) retentionSeconds)).map(rows -> {
      List<String> groups = new ArrayList<>(rows.size());
      for (Row r : rows) {
        groups.add(r.getString("name"));
      }
      return groups;
    });
  }
}
