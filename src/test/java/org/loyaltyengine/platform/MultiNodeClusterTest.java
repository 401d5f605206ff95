package org.loyaltyengine.platform;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.loyaltyengine.fulfillment.sim.PartnerSimulator;
import org.loyaltyengine.fulfillment.sim.SimulatorOptions;
import org.loyaltyengine.ledger.LedgerJobsVerticle;
import org.loyaltyengine.testing.ContractCheck;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Tenant;
import org.loyaltyengine.testing.TestKafka;
import org.loyaltyengine.events.DomainEvent;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.events.EventFixtures.assertEveryEventInMemberOrder;
import static org.loyaltyengine.events.EventFixtures.events;
import static org.loyaltyengine.events.EventFixtures.readTopic;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;

/**
 * Issue 6 part 2: three engine processes ({@code serve --cluster}) on 127.0.0.1 over one PostgreSQL and Redis,
 * purchases and redemptions spread over all three, the node that runs the ledger jobs killed with SIGKILL in
 * the middle, then restarted. The nodes publish the outbox to a real Kafka broker (the suite's). The steps build on each other, so they run in order. Tagged {@value #TAG}: about
 * a minute on a quiet two-core machine; {@code mvn test -DexcludedGroups=multi-node} leaves it out.
 */
@Tag(MultiNodeClusterTest.TAG)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayName("Three engine processes in one cluster, one killed with SIGKILL mid-load")
class MultiNodeClusterTest {
  static final String TAG = "multi-node";
  static final int NODES = 3;
  static final int MEMBERS = 30;
  static final int PURCHASES = 450;
  static final int REDEMPTIONS = 150;
  static final int IN_FLIGHT = 12;
  static final long START_TIMEOUT_MS = 90_000;

  static Vertx clientVertx;
  static WebClient web;
  static Vertx simVertx;
  static PartnerSimulator sim;
  /** Created the database and the test data; its own server is stopped before the cluster starts. */
  static TestEngine owner;
  static Tenant tenant;
  static Tenant pendingTenant;
  static Tenant configTenant;
  static final int[] hazelcastPorts = new int[NODES];
  static final int[] httpPorts = new int[NODES];
  static final Process[] nodes = new Process[NODES];
  static String clusterName;
  static TestKafka kafka;
  static String topic;

  /** Every load operation's id and the points a purchase must earn (0 for a redemption). */
  static final Map<String, Long> purchases = new ConcurrentHashMap<>();
  static final List<String> redemptions = new ArrayList<>();
  /** The status of each operation's latest attempt; 0 = no answer (the node died under it). */
  static final Map<String, Integer> outcome = new ConcurrentHashMap<>();
  static int firstAttemptsUnanswered;
  static int killed = -1;
  static volatile long failoverMs = -1;
  static volatile int newHolder = -1;

  @BeforeAll
  static void start() throws Exception {
    clientVertx = Vertx.vertx();
    web = WebClient.create(clientVertx, new WebClientOptions().setDefaultHost("127.0.0.1"),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(2 * IN_FLIGHT));
    simVertx = Vertx.vertx();
    sim = PartnerSimulator.start(simVertx, SimulatorOptions.onFreePort()).await();
    sim.controls().setLatencyMs(20); // partner calls are in flight when the node dies
    kafka = TestKafka.shared();
    // The owner's relay stays off: every event, the set-up's included, must reach Kafka through the cluster.
    owner = TestEngine.start(Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
        "LOYALTY_RELAY_ENABLED", "false"));
    setUpData();
    owner.stopServer();

    clusterName = "test-" + owner.database;
    topic = "cluster-events-" + owner.database;
    for (int i = 0; i < NODES; i++) {
      hazelcastPorts[i] = TestEngine.freePort();
      httpPorts[i] = TestEngine.freePort();
    }
    // The first node forms the cluster; the others then join it (started together, they could form their own).
    nodes[0] = startNode(0);
    assertTrue(eventually(START_TIMEOUT_MS, () -> members(0) == 1 || !nodes[0].isAlive()) && nodes[0].isAlive(),
        "node 0 started; see target/cluster-node-0.log");
    nodes[1] = startNode(1);
    nodes[2] = startNode(2);
    assertTrue(eventually(START_TIMEOUT_MS, () -> members(1) == NODES && members(2) == NODES
        || !nodes[1].isAlive() || !nodes[2].isAlive()) && nodes[1].isAlive() && nodes[2].isAlive(),
        "nodes 1 and 2 joined; see target/cluster-node-*.log");
  }

  private static void setUpData() {
    tenant = owner.createTenant("cluster");
    putRules(owner, tenant, 1);
    assertEquals(200, owner.send(HttpMethod.PUT, "/v1/partners/giftco", tenant.adminKey(), "application/json",
        new JsonObject().put("url", sim.baseUrl()).put("batchSize", 10).put("timeoutMs", 1000).put("maxAttempts", 20)
            .put("maxConcurrency", 4).put("ratePerSecond", 10_000).toBuffer()).status());
    assertEquals(201, owner.post("/v1/rewards", tenant.adminKey(), new JsonObject().put("rewardId", "gc")
        .put("name", "Gift card").put("type", "gift_card").put("costPoints", 10).put("partner", "giftco")
        .put("partnerSku", "GC-10")).status());
    for (int m = 0; m < MEMBERS; m++) {
      owner.enrol(tenant.adminKey(), "m-" + m);
      assertEquals(201, owner.post("/v1/members/m-" + m + "/adjustments", tenant.adminKey(), new JsonObject()
          .put("adjustmentId", "seed-m-" + m).put("points", 10_000).put("reason", "test")).status());
    }
    // A member whose points wait 30 days: after the fail-over the test makes them due, and only a running
    // ledger-jobs singleton releases them.
    pendingTenant = owner.createTenant("cluster-pending");
    putRules(owner, pendingTenant, 1);
    assertEquals(200, owner.send(HttpMethod.PUT, "/v1/settings", pendingTenant.adminKey(), "application/json",
        new JsonObject().put("pendingDays", 30).put("expiry", new JsonObject().put("policy", "never")).toBuffer()).status());
    owner.enrol(pendingTenant.adminKey(), "p-1");
    assertEquals(201, owner.post("/v1/transactions", pendingTenant.adminKey(), purchase("P-1", "p-1", 5_000)).status());
    configTenant = owner.createTenant("cluster-config");
    putRules(owner, configTenant, 1);
  }

  private static Process startNode(int i) throws Exception {
    return startNode(i, "cluster-node-" + i);
  }

  /** Node {@code i} on its fixed ports, logging to {@code target/<log>.log}. */
  private static Process startNode(int i, String log) throws Exception {
    Map<String, String> env = new HashMap<>(TestEngine.clusterSettings(clusterName, hazelcastPorts[i],
        List.of(hazelcastPorts[0], hazelcastPorts[1], hazelcastPorts[2])));
    env.putAll(Map.of("LOYALTY_HTTP_PORT", String.valueOf(httpPorts[i]), "LOYALTY_HTTP_INSTANCES", "1",
        "LOYALTY_RULES_INSTANCES", "1", "LOYALTY_JOBS_ENABLED", "true", "LOYALTY_JOBS_RELEASE_EVERY_MS", "200",
        "LOYALTY_JOBS_LEASE_RETRY_MS", "1000", "LOYALTY_FULFILLMENT_ENABLED", "true",
        "LOYALTY_FULFILLMENT_POLL_MS", "50", "LOYALTY_FULFILLMENT_LEASE_MS", "3000",
        // Keys cached a minute: only the cluster-wide revocation can make the other nodes refuse one in time.
        "LOYALTY_AUTH_KEY_CACHE_TTL_MS", "60000"));
    env.putAll(Map.of("LOYALTY_KAFKA_BOOTSTRAP", kafka.bootstrap(), "LOYALTY_KAFKA_TOPIC", topic,
        "LOYALTY_RELAY_ENABLED", "true", "LOYALTY_RELAY_LEASE_RETRY_MS", "1000", "LOYALTY_RELAY_POLL_MS", "50"));
    // C1 only: three JVMs warming up must not starve each other of the two cores; the opens are what Hazelcast
    // asks for (the jar's manifest carries them for java -jar).
    env.put("JDK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1 --add-exports java.base/jdk.internal.ref=ALL-UNNAMED"
        + " --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED"
        + " --add-opens java.management/sun.management=ALL-UNNAMED"
        + " --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED");
    return owner.startProcessNode(log, env, "--cluster");
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : nodes) {
      if (p != null && p.isAlive()) {
        p.destroy(); // SIGTERM: the node leaves the cluster and gives its leases back
      }
    }
    for (Process p : nodes) {
      if (p != null && !p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
    if (owner != null) {
      owner.close();
    }
    if (sim != null) {
      sim.close().await();
    }
    simVertx.close().await();
    clientVertx.close().await();
  }

  // ------------------------------------------------------------------------------------------------ steps

  @Test
  @Order(1)
  @DisplayName("the three processes form one cluster: every node lists the same three members")
  void oneCluster() {
    JsonArray nodeIds = cluster(0).getJsonArray("nodes");
    assertEquals(NODES, nodeIds.size());
    for (int i = 0; i < NODES; i++) {
      assertEquals(NODES, cluster(i).getInteger("members"));
      assertEquals(nodeIds, cluster(i).getJsonArray("nodes"));
      assertTrue(nodeIds.contains(cluster(i).getString("nodeId")));
    }
    assertEquals(1, holders().size(), "one node runs the ledger jobs");
  }

  @Test
  @Order(2)
  @DisplayName("a key revoked through one node is refused by the other two within a second, though keys are cached a minute")
  void revocationReachesEveryNode() throws Exception {
    Reply created = call(0, HttpMethod.POST, "/v1/api-keys", configTenant.adminKey(),
        new JsonObject().put("name", "till").put("scopes", new JsonArray().add("pos")));
    assertEquals(201, created.status());
    String key = created.json().getString("key");
    assertEquals(201, call(0, HttpMethod.POST, "/v1/members", key, new JsonObject().put("externalId", "k-1")).status());
    for (int i = 1; i < NODES; i++) {
      assertEquals(200, call(i, HttpMethod.GET, "/v1/members/k-1/status", key, null).status(), "valid and cached on node " + i);
    }
    assertEquals(204, call(0, HttpMethod.DELETE, "/v1/api-keys/" + created.json().getString("id"),
        configTenant.adminKey(), null).status());
    long revokedAt = System.nanoTime();
    for (int i = 1; i < NODES; i++) {
      int node = i;
      assertTrue(sentWithin(1_000, revokedAt,
          () -> call(node, HttpMethod.GET, "/v1/members/k-1/status", key, null).status() == 401),
          "node " + i + " refuses the revoked key within a second");
    }
  }

  @Test
  @Order(3)
  @DisplayName("a write through one node is what the other two read next: read-your-writes across nodes")
  void readYourWritesAcrossNodes() {
    assertEquals(201, call(0, HttpMethod.POST, "/v1/members", configTenant.adminKey(),
        new JsonObject().put("externalId", "ryw-1")).status());
    long expected = 0;
    for (int round = 0; round < 6; round++) {
      int writer = round % NODES;
      for (int i = 0; i < NODES; i++) {
        call(i, HttpMethod.GET, "/v1/members/ryw-1/status", configTenant.adminKey(), null); // each node has read it
      }
      long points = 10 + round;
      assertEquals(201, call(writer, HttpMethod.POST, "/v1/members/ryw-1/adjustments", configTenant.adminKey(),
          new JsonObject().put("adjustmentId", "ryw-" + round).put("points", points).put("reason", "test")).status());
      expected += points;
      for (int i = 1; i < NODES; i++) {
        int reader = (writer + i) % NODES;
        assertEquals(expected, call(reader, HttpMethod.GET, "/v1/members/ryw-1/status", configTenant.adminKey(), null)
            .json().getJsonObject("points").getLong("available"), "node " + reader + " right after node " + writer + "'s write");
      }
    }
  }

  @Test
  @Order(3)
  @DisplayName("a rule set uploaded through one node is what the other two evaluate within a second")
  void ruleSetReachesEveryNode() throws Exception {
    JsonObject simulation = new JsonObject().put("transaction", purchase("S-1", "nobody", 10_000));
    for (int i = 1; i < NODES; i++) {
      assertEquals(100, call(i, HttpMethod.POST, "/v1/earning-rules/simulate", configTenant.adminKey(), simulation)
          .json().getLong("points"), "node " + i + " evaluates version 1, cached");
    }
    putRules(0, configTenant, 3);
    long uploadedAt = System.nanoTime();
    for (int i = 1; i < NODES; i++) {
      int node = i;
      assertTrue(sentWithin(1_000, uploadedAt, () -> call(node, HttpMethod.POST, "/v1/earning-rules/simulate",
          configTenant.adminKey(), simulation).json().getLong("points") == 300), "node " + i + " evaluates version 2");
    }
  }

  @Test
  @Order(4)
  @DisplayName("under load on all three, the ledger-jobs node killed with SIGKILL loses no acknowledged purchase or redemption and books none twice")
  void killMidLoad() throws Exception {
    List<Integer> holders = holders();
    assertEquals(1, holders.size());
    killed = holders.get(0);
    List<Operation> operations = operations();
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    long killedAt = 0;
    for (int k = 0; k < operations.size(); k++) {
      if (k == operations.size() * 2 / 5) {
        nodes[killed].destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no lease given back, sockets cut
        killedAt = System.nanoTime();
        watchFailover(killedAt);
      }
      Operation op = operations.get(k);
      inFlight.acquire();
      send(k % NODES, op).onComplete(ar -> {
        outcome.put(op.id, ar.succeeded() ? ar.result() : 0);
        inFlight.release();
      });
    }
    inFlight.acquire(IN_FLIGHT);
    inFlight.release(IN_FLIGHT);
    firstAttemptsUnanswered = (int) outcome.values().stream().filter(s -> s == 0 || s >= 500).count();
    assertTrue(killedAt > 0 && firstAttemptsUnanswered > 0, "the kill cut requests off (else the test proves nothing)");

    // A client retries what got no answer, with the same idempotency key, on a node that is alive.
    for (int round = 0; round < 3; round++) {
      for (Operation op : operations) {
        int status = outcome.get(op.id);
        if (status == 0 || status >= 500) {
          outcome.put(op.id, send(survivor(round + op.id.hashCode()), op).await());
        }
      }
    }
    for (Operation op : operations) {
      int status = outcome.get(op.id);
      assertTrue(status == 200 || status == 201, op.id + " acknowledged, got " + status);
    }

    List<String> purchaseIds = new ArrayList<>(purchases.keySet());
    assertEquals(0, queryLong("select count(*) from unnest(?::text[]) u(cause_id) where (select count(*) from ledger_entries e"
        + " where e.kind = 'earn' and e.cause_type = 'transaction' and e.cause_id = u.cause_id) <> 1", purchaseIds),
        "every acknowledged purchase is in the ledger exactly once");
    assertEquals(purchases.values().stream().mapToLong(Long::longValue).sum(), queryLong(
        "select coalesce(sum(points), 0) from ledger_entries where kind = 'earn' and cause_id = any(?::text[])", purchaseIds),
        "with the points its basket earns");
    assertEquals(0, queryLong("select count(*) from unnest(?::text[]) u(cause_id) where (select count(*) from ledger_entries e"
        + " where e.kind = 'redeem' and e.cause_type = 'redemption' and e.cause_id = u.cause_id) <> 1", redemptions),
        "every acknowledged redemption is in the ledger exactly once");
    assertEquals(0, queryLong("select count(*) from unnest(?::text[]) u(cause_id) where (select count(*) from outbox o"
        + " where o.event_type = 'points.earned' and o.payload->>'causeId' = u.cause_id) <> 1", purchaseIds),
        "every purchase wrote its points.earned event exactly once");
    assertEquals(0, queryLong("select count(*) from unnest(?::text[]) u(cause_id) where (select count(*) from outbox o"
        + " where o.event_type = 'redemption.created' and o.payload->>'redemptionId' = u.cause_id) <> 1", redemptions),
        "every redemption wrote its redemption.created event exactly once");
    assertEquals(0, owner.ledgerInvariantViolations(), "every balance equals its ledger");
  }

  @Test
  @Order(5)
  @DisplayName("the ledger jobs moved to a survivor within 15 s of the kill, and run there")
  void ledgerJobsFailedOver() throws Exception {
    assertTrue(eventually(15_000, () -> failoverMs >= 0), "a survivor took the lease");
    assertTrue(failoverMs < 15_000, "within 15 s: " + failoverMs + " ms");
    assertNotEquals(killed, newHolder);
    assertEquals(List.of(newHolder), holders(), "exactly one survivor holds it");

    owner.execute("update point_lots set available_at = now() where cause_id = 'P-1'");
    assertTrue(eventually(10_000, () -> call(survivor(0), HttpMethod.GET, "/v1/members/p-1/status",
        pendingTenant.adminKey(), null).json().getJsonObject("points").getLong("available") == 50),
        "the survivor released the due points");
    assertEquals(0, owner.ledgerInvariantViolations());
  }

  @Test
  @Order(6)
  @DisplayName("every redemption reaches a final state, each with the one card the partner issued; no fulfillment job is left")
  void noFulfillmentStuck() throws Exception {
    // The dead node's leased jobs come back when their 3 s lease runs out.
    assertTrue(eventually(60_000, () -> owner.queryLong("select count(*) from fulfillment_jobs where status <> 'done'") == 0),
        "every job done");
    assertEquals(0, owner.queryLong("select count(*) from redemptions where status = 'pending'"));
    for (String id : redemptions) {
      List<String> issued = sim.registry().find(id).orElseThrow().codes();
      assertEquals(1, issued.size(), id);
      JsonObject redemption = call(survivor(0), HttpMethod.GET, "/v1/redemptions/" + id, tenant.adminKey(), null).json();
      assertEquals("fulfilled", redemption.getString("status"), id);
      assertEquals(issued, redemption.getJsonArray("codes").getList(), id + " holds the card the partner issued");
    }
    assertEquals(0, owner.ledgerInvariantViolations());
  }

  @Test
  @Order(7)
  @DisplayName("no event is missing from Kafka: every outbox row is published and on the topic, each member's in order")
  void everyEventOnKafka() throws Exception {
    assertTrue(eventually(60_000, () -> owner.queryLong("select count(*) from outbox where published_at is null") == 0),
        "the surviving relays drained the outbox, the dead node's partitions included");
    List<DomainEvent> written = owner.outboxEvents();
    assertEveryEventInMemberOrder(written,
        events(readTopic(kafka.bootstrap(), topic, written.size(), java.time.Duration.ofSeconds(60))));
  }

  @Test
  @Order(8)
  @DisplayName("the killed node, restarted on its old ports, rejoins: every node counts three members again and it serves")
  void restartedNodeRejoins() throws Exception {
    nodes[killed] = startNode(killed, "cluster-node-" + killed + "-restarted");
    assertTrue(eventually(START_TIMEOUT_MS, () -> {
      for (int i = 0; i < NODES; i++) {
        if (members(i) != NODES) {
          return false;
        }
      }
      return true;
    }), "three members on every node; see target/cluster-node-" + killed + "-restarted.log");
    assertEquals(201, call(killed, HttpMethod.POST, "/v1/transactions", tenant.adminKey(),
        purchase("AFTER-RESTART", "m-0", 1_000)).status());
    assertEquals(1, holders().size(), "still one node runs the ledger jobs");
  }

  // ----------------------------------------------------------------------------------------------- load

  record Operation(String id, String path, JsonObject body) {}

  /** Purchases and redemptions, interleaved, over a few members so that they contend. */
  private static List<Operation> operations() {
    Random random = new Random(6);
    List<Operation> ops = new ArrayList<>();
    int r = 0;
    for (int p = 0; p < PURCHASES; p++) {
      String member = "m-" + random.nextInt(MEMBERS);
      long total = 100 + random.nextInt(50_000);
      String id = "L-P-" + p;
      purchases.put(id, total / 100);
      ops.add(new Operation(id, "/v1/transactions", purchase(id, member, total)));
      if (p % (PURCHASES / REDEMPTIONS) == 0 && r < REDEMPTIONS) {
        String rid = "L-R-" + r++;
        redemptions.add(rid);
        ops.add(new Operation(rid, "/v1/redemptions", new JsonObject().put("redemptionId", rid)
            .put("memberExternalId", "m-" + random.nextInt(MEMBERS)).put("rewardId", "gc")));
      }
    }
    return ops;
  }

  private static io.vertx.core.Future<Integer> send(int node, Operation op) {
    return web.request(HttpMethod.POST, httpPorts[node], "127.0.0.1", op.path).timeout(10_000)
        .putHeader("Authorization", "Bearer " + tenant.adminKey()).putHeader("Content-Type", "application/json")
        .sendBuffer(op.body.toBuffer()).map(HttpResponse::statusCode).otherwise(0);
  }

  /** Polls the survivors from the moment of the kill until one of them holds the ledger-jobs lease. */
  private static void watchFailover(long killedAt) {
    Thread watcher = new Thread(() -> {
      long deadline = killedAt + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        for (int i = 0; i < NODES; i++) {
          if (i != killed && holds(i)) {
            failoverMs = elapsedMs(killedAt);
            newHolder = i;
            return;
          }
        }
        sleep(100);
      }
    }, "failover-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }

  // ------------------------------------------------------------------------------------------- helpers

  record Reply(int status, Buffer body) {
    JsonObject json() {
      return body == null ? null : body.toJsonObject();
    }
  }

  /** Blocking; status 0 when the node did not answer. */
  static Reply call(int node, HttpMethod method, String path, String key, JsonObject body) {
    HttpRequest<Buffer> request = web.request(method, httpPorts[node], "127.0.0.1", path).timeout(10_000);
    if (key != null) {
      request.putHeader("Authorization", "Bearer " + key);
    }
    HttpResponse<Buffer> response;
    try {
      response = (body == null ? request.send()
          : request.putHeader("Content-Type", "application/json").sendBuffer(body.toBuffer())).await();
    } catch (Exception e) {
      return new Reply(0, null);
    }
    java.util.Map<String, String> headers = new java.util.HashMap<>();
    response.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
    ContractCheck.verify(new ContractCheck.Exchange(method, path,
        body == null ? java.util.Map.of() : java.util.Map.of("Content-Type", "application/json"),
        body == null ? null : body.toBuffer(), response.statusCode(), headers, response.body()));
    return new Reply(response.statusCode(), response.body());
  }

  static JsonObject check(int node, String id) {
    Reply ready = call(node, HttpMethod.GET, "/health/ready", null, null);
    if (ready.status() == 0 || ready.body() == null) {
      return null;
    }
    JsonArray checks = ready.json().getJsonArray("checks", new JsonArray());
    for (int i = 0; i < checks.size(); i++) {
      if (id.equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i).getJsonObject("data", new JsonObject());
      }
    }
    return null;
  }

  static JsonObject cluster(int node) {
    return check(node, "cluster");
  }

  static int members(int node) {
    JsonObject cluster = cluster(node);
    return cluster == null ? -1 : cluster.getInteger("members", -1);
  }

  static boolean holds(int node) {
    JsonObject singletons = check(node, "singletons");
    return singletons != null && singletons.getJsonArray("held", new JsonArray()).contains(LedgerJobsVerticle.LEASE);
  }

  static List<Integer> holders() {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      if ((nodes[i] != null && nodes[i].isAlive()) && holds(i)) {
        out.add(i);
      }
    }
    return out;
  }

  static int survivor(int n) {
    int other = Math.floorMod(n, NODES - 1);
    return other >= killed ? other + 1 : other;
  }

  static JsonObject purchase(String id, String member, long total) {
    return new JsonObject().put("transactionId", id).put("memberExternalId", member)
        .put("occurredAt", Instant.now().minusSeconds(60).toString()).put("total", total).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "SKU-1").put("category", "grocery")
            .put("quantity", 1).put("amount", total)));
  }

  static void putRules(TestEngine engine, Tenant t, int pointsPerEuro) {
    assertEquals(200, engine.send(HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), "application/json",
        rules(pointsPerEuro).toBuffer()).status());
  }

  static void putRules(int node, Tenant t, int pointsPerEuro) {
    assertEquals(200, call(node, HttpMethod.PUT, "/v1/earning-rules", t.adminKey(), rules(pointsPerEuro)).status());
  }

  static JsonObject rules(int pointsPerEuro) {
    return new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("id", "base").put("trigger", "purchase")
        .put("award", new JsonObject().put("type", "per_spend").put("points", pointsPerEuro).put("perAmount", 100))));
  }

  static long queryLong(String sql, List<String> ids) throws SQLException {
    try (Connection c = owner.jdbc(); PreparedStatement ps = c.prepareStatement(sql)) {
      Array array = c.createArrayOf("text", ids.toArray());
      ps.setArray(1, array);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static long elapsedMs(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1_000_000;
  }

  /**
   * Whether a probe sent at most {@code limitMs} after {@code sinceNanos} saw the change. Counting the moment a
   * probe is sent, not when its answer arrives, keeps a slow machine's request latency out of the measure.
   */
  static boolean sentWithin(long limitMs, long sinceNanos, BooleanSupplier probe) {
    while (elapsedMs(sinceNanos) <= limitMs) {
      if (probe.getAsBoolean()) {
        return true;
      }
      sleep(10);
    }
    return false;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
