package org.loyaltyengine.seed;

import io.vertx.core.Vertx;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.platform.ConfigException;
import org.loyaltyengine.platform.ConfigLoader;
import org.loyaltyengine.platform.DatabaseSetup;
import org.loyaltyengine.tenant.ApiKeySecret;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code seed}: fills a tenant with consistent demo data for benchmarks and manual testing.
 *
 * <p>{@code --members N} is the tenant's <em>target</em> member count. Members are numbered 1..N with external
 * ids {@code member-0000001 ...}; a run seeds only the indices above the tenant's current member count, so
 * re-running with the same N adds nothing and a larger N tops up. This assumes the tenant's members are exactly
 * the seeded ones {@code 1..count}: a tenant with members created another way gets the wrong start index (and a
 * duplicate external id fails the chunk rather than being skipped).
 *
 * <p>Each member gets a balance row, K purchase transactions and one {@code earn} ledger entry per
 * transaction, so that available + pending = sum(ledger points) holds by construction, and each chunk one
 * {@code points.opening_balance} outbox event with its points (analytics' liability). Every run also creates
 * a new admin API key ({@code seed-admin}): keys are stored only as hashes, so an old one cannot be shown again.
 *
 * <p>Speed: rows are streamed with COPY in chunks of {@code --chunk-members} members; one chunk's members,
 * balances, transactions and ledger entries commit in one transaction, so a crash loses at most that chunk and
 * a partial chunk never exists (the next run resumes from the member count). Member ids are reserved from the
 * identity sequence up front, so all four tables can be written without reading ids back; the next chunk is
 * rendered on a second thread while the current one streams; FK triggers are skipped on this connection
 * (session_replication_role = replica, superuser only) because the data is consistent by construction.
 */
public final class Seeder {
  private static final int PROGRESS_EVERY_MEMBERS = 50_000;

  private Seeder() {}

  public static void main(String[] args) {
    SeedOptions options = SeedOptions.parse(args);
    SeedReport report;
    try {
      report = run(System.getenv(), options);
    } catch (SQLException e) {
      System.err.println("loyalty-engine seed: database error " + e.getSQLState() + ": " + firstLine(e.getMessage()));
      System.exit(1);
      return;
    }
    report.lines().forEach(System.out::println);
  }

  /** Loads configuration from {@code env} exactly as the server does, then seeds. */
  public static SeedReport run(Map<String, String> env, SeedOptions options) throws SQLException {
    return run(env, options, Clock.systemUTC());
  }

  static SeedReport run(Map<String, String> env, SeedOptions options, Clock clock) throws SQLException {
    AppConfig config = loadConfig(env);
    DatabaseSetup.prepare(config.pg());
    long startedNs = System.nanoTime();
    // Start of today: re-runs on the same day generate identical timestamps for the same member.
    Instant asOf = clock.instant().truncatedTo(ChronoUnit.DAYS);
    try (Connection c = DatabaseSetup.connect(config.pg().primary())) {
      c.setAutoCommit(true);
      Tenant tenant = findOrCreateTenant(c, options.tenant());
      ApiKeySecret adminKey = ApiKeySecret.generate();
      insertAdminKey(c, tenant.id(), adminKey);
      long existing = memberCount(c, tenant.id());
      skipForeignKeyChecks(c);

      SeedData data = new SeedData(options.randomSeed(), asOf, options.transactionsPerMember());
      Totals seeded = existing >= options.members()
          ? new Totals()
          : load(c, data, tenant, (int) existing + 1, options.members(), options.chunkMembers());
      if (seeded.members > 0) {
        try (Statement s = c.createStatement()) {
          s.execute("analyze members, member_balances, transactions, ledger_entries, point_lots");
        }
      }
      if (seeded.members > 0) {
        readModelIncomplete(config); // members written behind the engine's back: the server warms their documents
      }
      long total = memberCount(c, tenant.id());
      if (options.export().isPresent()) {
        export(c, tenant.id(), options.export().get());
      }
      return new SeedReport(options.tenant(), tenant.id(), tenant.created(), adminKey.key(), existing, seeded.members,
          seeded.purchases, seeded.purchases, seeded.points, seeded.spent, total, options.export(),
          Duration.ofNanos(System.nanoTime() - startedNs));
    }
  }

  /**
   * Drops the read model's "complete" marker, so the server's warm-up (at its start, or within its check interval
   * when running) stores the new members' documents. Redis unreachable: their first reads rebuild them instead.
   */
  private static void readModelIncomplete(AppConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      io.vertx.redis.client.Redis redis = io.vertx.redis.client.Redis.createClient(vertx, config.redis().options());
      redis.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.DEL)
          .arg(org.loyaltyengine.member.MemberCache.completeKey(config.redis().keyPrefix()))).await();
      redis.close();
    } catch (RuntimeException redisDown) {
      System.err.println("note: Redis unreachable (" + redisDown.getMessage() + "); new members' documents are built on first read");
    } finally {
      vertx.close().await();
    }
  }

  private static AppConfig loadConfig(Map<String, String> env) {
    Vertx vertx = Vertx.vertx();
    try {
      return ConfigLoader.load(vertx, env);
    } finally {
      vertx.close().await();
    }
  }

  record Tenant(UUID id, String currency, boolean created) {}

  private static Tenant findOrCreateTenant(Connection c, String name) throws SQLException {
    boolean created;
    try (PreparedStatement insert = c.prepareStatement("insert into tenants (id, name, timezone, currency) "
        + "values (?, ?, 'Europe/Warsaw', 'EUR') on conflict (name) do nothing")) {
      insert.setObject(1, UUID.randomUUID());
      insert.setString(2, name);
      created = insert.executeUpdate() == 1;
    }
    try (PreparedStatement find = c.prepareStatement("select id, currency from tenants where name = ?")) {
      find.setString(1, name);
      try (ResultSet rs = find.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("tenant " + name + " vanished right after it was created");
        }
        return new Tenant(rs.getObject(1, UUID.class), rs.getString(2).trim(), created);
      }
    }
  }

  private static void insertAdminKey(Connection c, UUID tenantId, ApiKeySecret key) throws SQLException {
    try (PreparedStatement insert = c.prepareStatement("insert into api_keys (id, tenant_id, name, key_hash, "
        + "key_prefix, scopes) values (?, ?, 'seed-admin', ?, ?, array['admin'])")) {
      insert.setObject(1, UUID.randomUUID());
      insert.setObject(2, tenantId);
      insert.setString(3, key.hash());
      insert.setString(4, key.prefix());
      insert.executeUpdate();
    }
  }

  private static long memberCount(Connection c, UUID tenantId) throws SQLException {
    try (PreparedStatement count = c.prepareStatement("select count(*) from members where tenant_id = ?")) {
      count.setObject(1, tenantId);
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** FK checks cost an index probe per row; skipped when allowed, kept (slower, still correct) when not. */
  private static void skipForeignKeyChecks(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("set session_replication_role = replica");
    } catch (SQLException e) {
      if (!"42501".equals(e.getSQLState())) { // insufficient_privilege
        throw e;
      }
      System.err.println("seed: not a superuser, foreign keys stay checked (slower)");
    }
  }

  private static final class Totals {
    long members;
    long purchases;
    long points;
    long spent;

    void add(CopyChunk chunk) {
      members += chunk.members;
      purchases += chunk.purchases;
      points = Math.addExact(points, chunk.points);
      spent = Math.addExact(spent, chunk.spent);
    }
  }

  private static Totals load(Connection c, SeedData data, Tenant tenant, int first, int last, int chunkMembers)
      throws SQLException {
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    ExecutorService renderer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "seed-render");
      t.setDaemon(true);
      return t;
    });
    Totals totals = new Totals();
    c.setAutoCommit(false);
    try {
      int from = first;
      Future<CopyChunk> ready = render(renderer, c, data, tenant, from, Math.min(last, from + chunkMembers - 1));
      while (ready != null) {
        CopyChunk chunk = await(ready);
        int next = from + chunk.members;
        // render the next chunk while this one streams; its ids are reserved now, on this connection
        ready = next > last ? null
            : render(renderer, c, data, tenant, next, Math.min(last, next + chunkMembers - 1));
        copyIn(copy, CopyChunk.COPY_MEMBERS, chunk.memberRows);
        copyIn(copy, CopyChunk.COPY_BALANCES, chunk.balanceRows);
        copyIn(copy, CopyChunk.COPY_TRANSACTIONS, chunk.transactionRows);
        copyIn(copy, CopyChunk.COPY_LEDGER, chunk.ledgerRows);
        createLots(c, chunk.memberIds);
        recordOpeningBalance(c, tenant.id(), chunk);
        c.commit();
        totals.add(chunk);
        if (totals.members / PROGRESS_EVERY_MEMBERS != (totals.members - chunk.members) / PROGRESS_EVERY_MEMBERS) {
          System.err.println("seed: " + totals.members + " / " + (last - first + 1) + " members");
        }
        from = next;
      }
      return totals;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      renderer.shutdownNow();
      c.setAutoCommit(true);
    }
  }

  /**
   * Every earn entry gets its lot (released, nothing spent, no expiry), so that spending and expiry find
   * the seeded points exactly as if the earning API had credited them, and counts as qualifying points.
   */
  private static void createLots(Connection c, long[] memberIds) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("""
        insert into point_lots (tenant_id, member_id, ledger_entry_id, cause_type, cause_id, points, remaining,
                                available_at, expires_at, released)
        select tenant_id, member_id, id, cause_type, cause_id, points, points, available_at, null, true
          from ledger_entries where member_id = any(?) and kind = 'earn' and points > 0""")) {
      ps.setArray(1, c.createArrayOf("bigint", java.util.Arrays.stream(memberIds).boxed().toArray()));
      ps.executeUpdate();
    }
    // and counts into the members' qualifying points of its day, as the earning function does (V17)
    try (PreparedStatement ps = c.prepareStatement("""
        insert into member_qualifying_days (member_id, day, points)
        select member_id, (created_at at time zone 'UTC')::date, sum(points)
          from ledger_entries where member_id = any(?) and kind in ('earn', 'return')
         group by 1, 2
        on conflict (member_id, day) do update set points = member_qualifying_days.points + excluded.points""")) {
      ps.setArray(1, c.createArrayOf("bigint", java.util.Arrays.stream(memberIds).boxed().toArray()));
      ps.executeUpdate();
    }
  }

  /**
   * Seeded balances bypass the outbox, so each chunk announces what it added as one tenant-wide
   * {@code points.opening_balance} event, committed with the chunk: analytics counts it into the points
   * liability exactly once (docs/analytics.md).
   */
  private static void recordOpeningBalance(Connection c, UUID tenantId, CopyChunk chunk) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("""
        insert into outbox (tenant_id, member_id, event_type, payload)
        values (?, null, 'points.opening_balance',
                jsonb_build_object('points', ?::bigint, 'members', ?::bigint, 'source', 'seed'))""")) {
      ps.setObject(1, tenantId);
      ps.setLong(2, chunk.points);
      ps.setLong(3, chunk.members);
      ps.executeUpdate();
    }
  }

  private static Future<CopyChunk> render(ExecutorService renderer, Connection c, SeedData data, Tenant tenant,
                                          int from, int to) throws SQLException {
    long[] ids = reserveMemberIds(c, to - from + 1);
    return renderer.submit(() -> CopyChunk.render(data, tenant.id(), tenant.currency(), from, ids));
  }

  /** Sequence values are never handed out twice, so reserved ids are ours even if this chunk rolls back. */
  private static long[] reserveMemberIds(Connection c, int n) throws SQLException {
    long[] ids = new long[n];
    try (PreparedStatement reserve = c.prepareStatement(
        "select nextval(pg_get_serial_sequence('members', 'id')) from generate_series(1, ?)")) {
      reserve.setInt(1, n);
      try (ResultSet rs = reserve.executeQuery()) {
        int i = 0;
        while (rs.next()) {
          ids[i++] = rs.getLong(1);
        }
        if (i != n) {
          throw new IllegalStateException("reserved " + i + " member ids, wanted " + n);
        }
      }
    }
    Arrays.sort(ids); // member index order = id order, which keeps index inserts local
    return ids;
  }

  private static void copyIn(CopyManager copy, String sql, byte[] rows) throws SQLException {
    CopyIn in = copy.copyIn(sql);
    try {
      in.writeToCopy(rows, 0, rows.length);
      in.endCopy();
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
  }

  private static CopyChunk await(Future<CopyChunk> chunk) {
    try {
      return chunk.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while rendering seed data", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("rendering seed data failed", e.getCause());
    }
  }

  /** Every external id of the tenant (not only this run's), one per line after an {@code externalId} header. */
  private static void export(Connection c, UUID tenantId, Path file) throws SQLException {
    c.setAutoCommit(false); // the driver only streams with a cursor inside a transaction
    try (PreparedStatement select = c.prepareStatement(
        "select external_id from members where tenant_id = ? order by external_id")) {
      select.setObject(1, tenantId);
      select.setFetchSize(10_000);
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try (ResultSet rs = select.executeQuery();
           BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        out.write("externalId\n");
        while (rs.next()) {
          out.write(csv(rs.getString(1)));
          out.write('\n');
        }
      }
      c.commit();
    } catch (IOException e) {
      // a bad --export path is a bad argument: one line, exit 2
      throw new ConfigException("seed: cannot write export file " + file + ": " + e);
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** Seeded ids need no quoting; ids created through the API might. */
  static String csv(String value) {
    if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
      return value;
    }
    return '"' + value.replace("\"", "\"\"") + '"';
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
