package org.loyaltyengine.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.loyaltyengine.platform.LoyaltyServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real engine for one test class: its own PostgreSQL database and Redis key prefix, the real server on a
 * free port, and a blocking HTTP client for readable tests. {@link #close} drops the database and deletes
 * the keys, so the shared services are left as they were.
 */
public final class TestEngine implements AutoCloseable {
  public static final String OPERATOR_TOKEN = "test-operator-token-0123456789";
  public static final String PG_SERVER = "postgresql://postgres@127.0.0.1:5432/";
  public static final String REDIS_URL = "redis://127.0.0.1:6379";

  public final String database;
  public final String redisPrefix;
  public final int port;
  private final Map<String, String> env;
  private final Vertx clientVertx = Vertx.vertx();
  private final WebClient client;
  private final boolean ownsDatabase;
  private LoyaltyServer server;

  private TestEngine(Map<String, String> overrides) {
    this(null, overrides);
  }

  /** With {@code sharing} set, a second engine on the same database and key prefix (a second node). */
  private TestEngine(TestEngine sharing, Map<String, String> overrides) {
    String id = HexFormat.of().formatHex(randomBytes(5));
    this.ownsDatabase = sharing == null;
    this.database = sharing == null ? "loyalty_test_" + id : sharing.database;
    this.redisPrefix = sharing == null ? "test" + id : sharing.redisPrefix;
    this.port = freePort();
    this.env = new HashMap<>();
    env.put("LOYALTY_PG_URL", PG_SERVER + database);
    env.put("LOYALTY_REDIS_URL", REDIS_URL);
    env.put("LOYALTY_REDIS_KEY_PREFIX", redisPrefix);
    env.put("LOYALTY_HTTP_PORT", String.valueOf(port));
    env.put("LOYALTY_HTTP_HOST", "127.0.0.1");
    env.put("LOYALTY_HTTP_INSTANCES", "2");
    env.put("LOYALTY_PG_POOL_SIZE", "4");
    env.put("LOYALTY_OPERATOR_TOKEN", OPERATOR_TOKEN);
    env.put("LOYALTY_WEBHOOKS_ALLOWED_TARGETS", "127.0.0.1"); // test receivers listen on loopback (SSRF guard)
    env.put("LOYALTY_FULFILLMENT_ALLOWED_TARGETS", "127.0.0.1"); // so do the partner simulators
    env.putAll(overrides);
    this.client = WebClient.create(clientVertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  public static TestEngine start() {
    return start(Map.of());
  }

  /** Starts with extra LOYALTY_* settings on top of the test defaults. */
  public static TestEngine start(Map<String, String> overrides) {
    TestEngine engine = new TestEngine(overrides);
    engine.server = LoyaltyServer.start(engine.env);
    return engine;
  }

  /** Another node on this engine's database and Redis prefix; closing it leaves the data to the owner. */
  public static TestEngine startNode(TestEngine owner, Map<String, String> overrides) {
    TestEngine engine = new TestEngine(owner, overrides);
    engine.server = LoyaltyServer.start(engine.env);
    return engine;
  }

  /**
   * Another node in a separate JVM (same classpath), so a test can kill it with SIGKILL mid-work. Its
   * output goes to {@code target/<name>.log}.
   */
  public Process startProcessNode(String name, Map<String, String> overrides) throws IOException {
    return startProcessNode(name, overrides, new String[0]);
  }

  /** The same with arguments after {@code serve}, e.g. {@code --cluster}. */
  public Process startProcessNode(String name, Map<String, String> overrides, String... serveArgs) throws IOException {
    Map<String, String> nodeEnv = new HashMap<>(env);
    nodeEnv.put("LOYALTY_HTTP_PORT", String.valueOf(freePort()));
    nodeEnv.putAll(overrides);
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), "org.loyaltyengine.Main", "serve"));
    command.addAll(java.util.List.of(serveArgs));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("LOYALTY_"));
    pb.environment().putAll(nodeEnv);
    pb.redirectErrorStream(true).redirectOutput(new java.io.File("target/" + name + ".log"));
    return pb.start();
  }

  /**
   * The settings of one node of a test cluster on 127.0.0.1: the cluster's own name (so concurrent test runs on
   * the machine never merge), this node's Hazelcast port, and every member's port. Clustered mode itself is
   * switched on by {@code LOYALTY_CLUSTER_ENABLED=true} or by {@code serve --cluster}.
   */
  public static Map<String, String> clusterSettings(String clusterName, int port, java.util.List<Integer> memberPorts) {
    return Map.of("LOYALTY_CLUSTER_NAME", clusterName, "LOYALTY_CLUSTER_HOST", "127.0.0.1",
        "LOYALTY_CLUSTER_PORT", String.valueOf(port), "LOYALTY_CLUSTER_MEMBERS",
        String.join(",", memberPorts.stream().map(p -> "127.0.0.1:" + p).toList()));
  }

  public Map<String, String> env() {
    return Map.copyOf(env);
  }

  public LoyaltyServer server() {
    return server;
  }

  // ---- HTTP ----

  public record Reply(int status, Buffer body, Map<String, String> headers) {
    public JsonObject json() {
      return body == null ? null : body.toJsonObject();
    }

    public String errorCode() {
      return json().getJsonObject("error").getString("code");
    }

    public String errorField() {
      return json().getJsonObject("error").getString("field");
    }
  }

  public Reply get(String path, String key) {
    return send(HttpMethod.GET, path, key, null, null);
  }

  public Reply post(String path, String key, JsonObject body) {
    return send(HttpMethod.POST, path, key, "application/json", body == null ? null : body.toBuffer());
  }

  public Reply patch(String path, String key, JsonObject body) {
    return send(HttpMethod.PATCH, path, key, "application/json", body.toBuffer());
  }

  public Reply delete(String path, String key) {
    return send(HttpMethod.DELETE, path, key, null, null);
  }

  public Reply send(HttpMethod method, String path, String key, String contentType, Buffer body) {
    return send(method, path, key, contentType, body, Map.of());
  }

  /** Starts a GET without waiting, for concurrent scenarios. */
  public io.vertx.core.Future<Reply> getAsync(String path, String key) {
    return client.request(HttpMethod.GET, path).putHeader("Authorization", "Bearer " + key).send()
        .map(r -> checked(HttpMethod.GET, path, Map.of(), null, r));
  }

  /** Starts a POST without waiting, for concurrent scenarios. */
  public io.vertx.core.Future<Reply> postAsync(String path, String key, JsonObject body) {
    Buffer sent = body.toBuffer();
    return client.request(HttpMethod.POST, path).putHeader("Authorization", "Bearer " + key)
        .putHeader("Content-Type", "application/json").sendBuffer(sent)
        .map(r -> checked(HttpMethod.POST, path, Map.of("Content-Type", "application/json"), sent, r));
  }

  /** The reply, once {@link ContractCheck} found the exchange to be one the API contract describes. */
  private static Reply checked(HttpMethod method, String path, Map<String, String> requestHeaders, Buffer sent,
                               HttpResponse<Buffer> response) {
    Map<String, String> h = new HashMap<>();
    response.headers().forEach(e -> h.put(e.getKey().toLowerCase(), e.getValue()));
    ContractCheck.verify(new ContractCheck.Exchange(method, path, requestHeaders, sent, response.statusCode(), h,
        response.body()));
    return new Reply(response.statusCode(), response.body(), h);
  }

  /**
   * The ledger invariants, over every member of the test database: available + pending equals the sum of
   * the ledger; pending equals what is left of unreleased lots; a non-negative available equals what is
   * left of released lots (a negative one means they are all empty). Returns the offending members.
   */
  public long ledgerInvariantViolations() {
    return queryLong("""
        select count(*) from member_balances b
          left join (select member_id, sum(points) as s from ledger_entries group by member_id) l on l.member_id = b.member_id
          left join (select member_id, sum(remaining) filter (where released) as rel,
                            sum(remaining) filter (where not released) as unrel
                       from point_lots group by member_id) p on p.member_id = b.member_id
         where b.available + b.pending <> coalesce(l.s, 0)
            or b.pending <> coalesce(p.unrel, 0)
            or (b.available >= 0 and b.available <> coalesce(p.rel, 0))
            or (b.available < 0 and coalesce(p.rel, 0) <> 0)""") + qualifyingInvariantViolations();
  }

  /**
   * Members whose qualifying points of some window exceed their lifetimeEarned: what lets the tier climb skip
   * the members whose lifetimeEarned is below the next threshold (R__earning.sql, loyalty_climb_tiers). Every
   * suffix of a member's days (a window) sums to at most lifetimeEarned.
   */
  public long qualifyingInvariantViolations() {
    return queryLong("""
        select count(*) from member_balances b
         where exists (select 1 from (select sum(q.points) over (order by q.day desc) as s
                                        from member_qualifying_days q where q.member_id = b.member_id) w
                        where w.s > b.lifetime_earned)""");
  }

  public Reply send(HttpMethod method, String path, String key, String contentType, Buffer body,
                    Map<String, String> headers) {
    HttpRequest<Buffer> request = client.request(method, path);
    Map<String, String> sentHeaders = new HashMap<>(headers);
    if (key != null) {
      request.putHeader("Authorization", "Bearer " + key);
    }
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
      sentHeaders.put("Content-Type", contentType);
    }
    headers.forEach(request::putHeader);
    HttpResponse<Buffer> response = (body == null ? request.send() : request.sendBuffer(body)).await();
    return checked(method, path, sentHeaders, body, response);
  }

  // ---- API shortcuts ----

  public record Tenant(String id, String adminKey) {}

  public Tenant createTenant(String name) {
    Reply r = post("/v1/tenants", OPERATOR_TOKEN,
        new JsonObject().put("name", name).put("timezone", "Europe/Warsaw").put("currency", "EUR"));
    if (r.status() != 201) {
      throw new AssertionError("tenant creation failed: " + r.status() + " " + r.body());
    }
    return new Tenant(r.json().getString("tenantId"), r.json().getString("adminKey"));
  }

  public String createKey(String adminKey, String... scopes) {
    Reply r = post("/v1/api-keys", adminKey, new JsonObject().put("name", "test key")
        .put("scopes", new io.vertx.core.json.JsonArray(java.util.List.of(scopes))));
    if (r.status() != 201) {
      throw new AssertionError("key creation failed: " + r.status() + " " + r.body());
    }
    return r.json().getString("key");
  }

  public JsonObject enrol(String key, String externalId) {
    Reply r = post("/v1/members", key, new JsonObject().put("externalId", externalId));
    if (r.status() != 201) {
      throw new AssertionError("enrolment failed: " + r.status() + " " + r.body());
    }
    return r.json();
  }

  // ---- direct access for set-up and invariants ----

  public Connection jdbc() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", null);
  }

  public long queryLong(String sql, Object... args) {
    try (Connection c = jdbc(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public void execute(String sql, Object... args) {
    try (Connection c = jdbc(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      ps.execute();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every outbox row of the test database as the {@link org.loyaltyengine.events.DomainEvent} a consumer
   * would receive, in id order (published or not): lets consumer tests feed real events directly.
   */
  public java.util.List<org.loyaltyengine.events.DomainEvent> outboxEvents() {
    String sql = """
        select o.id, o.tenant_id, o.member_id, m.external_id, o.event_type, o.payload::text, o.created_at
          from outbox o left join members m on m.id = o.member_id order by o.id""";
    try (Connection c = jdbc(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      java.util.List<org.loyaltyengine.events.DomainEvent> events = new java.util.ArrayList<>();
      while (rs.next()) {
        long member = rs.getLong(3);
        events.add(new org.loyaltyengine.events.DomainEvent(rs.getLong(1), (java.util.UUID) rs.getObject(2),
            rs.wasNull() ? null : member, rs.getString(4), rs.getString(5), rs.getString(6),
            rs.getTimestamp(7).toInstant()));
      }
      return events;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public void redisDelete(String key) {
    Redis redis = Redis.createClient(clientVertx, REDIS_URL);
    try {
      redis.send(Request.cmd(Command.DEL).arg(key)).await();
    } finally {
      redis.close();
    }
  }

  public String redisGet(String key) {
    Redis redis = Redis.createClient(clientVertx, REDIS_URL);
    try {
      Response r = redis.send(Request.cmd(Command.GET).arg(key)).await();
      return r == null ? null : r.toString();
    } finally {
      redis.close();
    }
  }

  /**
   * Waits (at most 5 s) until no member's read-model document is older than its rows: the asynchronous
   * ingestion stores documents just after a chunk's commit, so a batch can read "done" a moment before its
   * members' reads show it (docs/reads.md). Absent documents count as current (a read rebuilds them).
   */
  public void awaitReadModel() {
    long deadline = System.nanoTime() + 5_000_000_000L;
    Redis redis = Redis.createClient(clientVertx, REDIS_URL);
    try {
      while (true) {
        boolean current = true;
        try (Connection c = jdbc(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("select m.tenant_id, m.external_id, m.version + b.version"
                 + " from members m join member_balances b on b.member_id = m.id")) {
          while (rs.next() && current) {
            Response r = redis.send(Request.cmd(Command.GET).arg(memberCacheKey(rs.getString(1), rs.getString(2)))).await();
            if (r != null) {
              String d = r.toString();
              current = Long.parseLong(d.substring(0, d.indexOf('|'))) >= rs.getLong(3);
            }
          }
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
        if (current) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the read model did not catch up with the database within 5 s");
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    } finally {
      redis.close();
    }
  }

  /**
   * Drops a member's read-model document, for tests that change its rows behind the engine's back (as the
   * seeder does): its next read rebuilds it from PostgreSQL.
   */
  public void forgetDocument(String tenantId, String externalId) {
    Redis redis = Redis.createClient(clientVertx, REDIS_URL);
    try {
      redis.send(Request.cmd(Command.DEL).arg(memberCacheKey(tenantId, externalId))).await();
    } finally {
      redis.close();
    }
  }

  public String memberCacheKey(String tenantId, String externalId) {
    return redisPrefix + ":mv:" + tenantId + ":" + externalId;
  }

  /** Stops the server, keeping the database: a test may restart an engine on it. */
  public void stopServer() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Override
  public void close() {
    stopServer();
    client.close();
    if (ownsDatabase) {
      deleteRedisKeys(clientVertx, redisPrefix);
    }
    clientVertx.close().await();
    if (ownsDatabase) {
      dropDatabase(database);
    }
  }

  public static void dropDatabase(String database) {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", null);
         Statement s = c.createStatement()) {
      s.execute("drop database if exists \"" + database + "\" with (force)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test database " + database, e);
    }
  }

  /** Deletes every Redis key under {@code prefix + ":"} (a test's own key prefix). */
  public static void deleteRedisKeys(Vertx vertx, String prefix) {
    Redis redis = Redis.createClient(vertx, REDIS_URL);
    try {
      String cursor = "0";
      do {
        Response page = redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(prefix + ":*")
            .arg("COUNT").arg(1000)).await();
        cursor = page.get(0).toString();
        for (Response key : page.get(1)) {
          redis.send(Request.cmd(Command.DEL).arg(key.toString())).await();
        }
      } while (!"0".equals(cursor));
    } finally {
      redis.close();
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }
}
