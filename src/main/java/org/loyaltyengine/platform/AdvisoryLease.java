package org.loyaltyengine.platform;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * "Exactly one node does this": a PostgreSQL session-level advisory lock held on a dedicated connection.
 * Whichever node's connection holds the lock is the owner. When that node dies (even by SIGKILL) the
 * kernel closes its socket, PostgreSQL ends the session and the lock is free; a survivor's next attempt
 * (every {@code retryMs}) takes it. Works the same single-node, several plain nodes, or clustered.
 *
 * <p>Work that must be fenced runs through {@link #whileHeld}: it executes on the lock's own connection,
 * so if the lock was lost the connection is gone and the work fails instead of running beside the new
 * owner. Work that is merely cheaper to do once just checks {@link #held()}.
 */
public final class AdvisoryLease {
  private static final Logger log = LoggerFactory.getLogger(AdvisoryLease.class);
  /** First key of every lock we take: "LOYA" in ASCII, so our locks are recognisable in pg_locks. */
  public static final int LOCK_CLASS = 0x4C4F5941;
  /**
   * The server drops a lease's session (freeing the lock) this soon after the owner's machine stops answering:
   * when idle, after 5 s and 3 probes 2 s apart; with an answer unacknowledged, after 10 s. A killed process
   * needs none of it: its socket closes at once.
   */
  private static final String KEEPALIVES = "select set_config('tcp_keepalives_idle', '5', false),"
      + " set_config('tcp_keepalives_interval', '2', false), set_config('tcp_keepalives_count', '3', false),"
      + " set_config('tcp_user_timeout', '10000', false)";
  /** Every lease competing in this JVM, so health and metrics can say which this node holds. */
  private static final Set<AdvisoryLease> COMPETING = ConcurrentHashMap.newKeySet();

  private final Vertx vertx;
  private final PgConnectOptions options;
  private final String name;
  private final int key;
  private final long timerId;
  private PgConnection connection;
  private boolean attempting;
  private volatile boolean held;
  private boolean closed;

  private AdvisoryLease(Vertx vertx, PgConnectOptions options, String name, int key, long retryMs) {
    this.vertx = vertx;
    this.options = options;
    this.name = name;
    this.key = key;
    tryAcquire();
    this.timerId = vertx.setPeriodic(retryMs, id -> tryAcquire());
    COMPETING.add(this);
  }

  /** The names of the leases the node of {@code vertx} holds now, sorted. */
  public static List<String> heldOn(Vertx vertx) {
    return COMPETING.stream().filter(l -> l.vertx == vertx && l.held).map(l -> l.name).sorted().toList();
  }

  /** Publishes {@code loyalty_singleton_held{lease=name}}: 1 on the node that holds it, 0 on the others. */
  public AdvisoryLease reportTo(MeterRegistry registry) {
    Gauge.builder("loyalty_singleton_held", this, l -> l.held ? 1 : 0)
        .description("1 while this node holds the lease and runs its singleton work").tag("lease", name)
        .register(registry);
    return this;
  }

  /**
   * Starts competing for the lease named {@code name} (e.g. "ledger.expire", "outbox.relay.3"); call on
   * the event loop of the verticle that will use it. Retries every {@code retryMs} while not held, and
   * checks the connection is alive as often while held.
   */
  public static AdvisoryLease compete(Vertx vertx, PgConnectOptions options, String name, long retryMs) {
    return new AdvisoryLease(vertx, options, name, name.hashCode(), retryMs);
  }

  public String name() {
    return name;
  }

  /** Whether this node owned the lease at the last check (at most {@code retryMs} ago). */
  public boolean held() {
    return held;
  }

  /** Runs {@code work} on the lease's own connection; fails without running it when the lease is not held. */
  public <T> Future<T> whileHeld(Function<SqlConnection, Future<T>> work) {
    PgConnection c = connection;
    if (!held || c == null) {
      return Future.failedFuture(new IllegalStateException("lease " + name + " is not held by this node"));
    }
    return work.apply(c);
  }

  private void tryAcquire() {
    if (closed || attempting) {
      return;
    }
    attempting = true;
    Future<PgConnection> conn = connection != null ? Future.succeededFuture(connection)
        : PgConnection.connect(vertx, options).compose(c -> c.query(KEEPALIVES).execute().map(c)
            .onFailure(err -> c.close())).onSuccess(c -> {
              connection = c;
              c.closeHandler(v -> lost("connection closed"));
            });
    conn.compose(c -> held
            ? c.preparedQuery("select true").execute(Tuple.tuple()).map(rows -> true)
                // work run through whileHeld may have left the session in a failed transaction for a moment
                // (25P02): the session answered, so it and its lock are alive
                .recover(err -> err instanceof io.vertx.pgclient.PgException pg && "25P02".equals(pg.getSqlState())
                    ? Future.succeededFuture(true) : Future.failedFuture(err))
            : c.preparedQuery("select pg_try_advisory_lock($1, $2)").execute(Tuple.of(LOCK_CLASS, key))
                .map(rows -> rows.iterator().next().getBoolean(0)))
        .onComplete(ar -> {
          attempting = false;
          if (ar.failed()) {
            lost(ar.cause().getMessage());
            if (connection != null) {
              connection.close();
              connection = null;
            }
          } else if (ar.result() && !held && !closed) {
            held = true;
            log.info("event=lease_acquired lease={}", name);
          }
        });
  }

  private void lost(String why) {
    if (held) {
      log.warn("event=lease_lost lease={} reason=\"{}\"", name, why);
    }
    held = false;
    connection = null;
  }

  /** Gives the lease up (closing the connection releases the lock) and stops competing. */
  public Future<Void> close() {
    closed = true;
    COMPETING.remove(this);
    vertx.cancelTimer(timerId);
    held = false;
    PgConnection c = connection;
    connection = null;
    return c == null ? Future.succeededFuture() : c.close();
  }
}
