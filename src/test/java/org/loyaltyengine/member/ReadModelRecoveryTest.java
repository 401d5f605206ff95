package org.loyaltyengine.member;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;
import org.loyaltyengine.testing.TestEngine.Tenant;
import org.loyaltyengine.testing.ThrowawayRedis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;

/**
 * The read model without its Redis: killed under load, flushed, or empty after a restart. Reads and writes go
 * on with the right answers and no errors, rebuilds are one query per member and verticle, and the warm-up
 * makes the model complete again without any read asking. The engine runs on a throwaway redis-server.
 */
@DisplayName("The read model survives losing Redis: no errors, no wrong answers, no stampede, warm again by itself")
class ReadModelRecoveryTest {
  static final int MEMBERS = 40;
  int redisPort;
  Process redis;
  TestEngine engine;
  Tenant tenant;

  @BeforeEach
  void start() throws Exception {
    redisPort = TestEngine.freePort();
    redis = ThrowawayRedis.start(redisPort);
    engine = TestEngine.start(Map.of("LOYALTY_REDIS_URL", "redis://127.0.0.1:" + redisPort,
        "LOYALTY_REDIS_TIMEOUT_MS", "200", "LOYALTY_REDIS_RESET_MS", "300", "LOYALTY_RATE_LIMIT_REDIS_TIMEOUT_MS", "50",
        "LOYALTY_JOBS_WARM_CHECK_EVERY_MS", "200"));
    tenant = engine.createTenant("recovery");
    engine.send(io.vertx.core.http.HttpMethod.PUT, "/v1/earning-rules", tenant.adminKey(), "application/json",
        new JsonObject().put("rules", new JsonArray().add(new JsonObject().put("id", "base").put("trigger", "purchase")
            .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)
                .put("rounding", "down").put("spend", "basket")))).toBuffer());
    for (int i = 0; i < MEMBERS; i++) {
      engine.enrol(tenant.adminKey(), "r" + i);
    }
  }

  @AfterEach
  void stop() throws Exception {
    assertEquals(0, engine.ledgerInvariantViolations());
    engine.close();
    redis.destroyForcibly().waitFor();
  }

  private String redisCli(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(redisPort)));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    p.waitFor();
    return out;
  }

  private long documents() throws Exception {
    String keys = redisCli("--scan", "--pattern", "*:mv:" + tenant.id() + ":*");
    return keys.isEmpty() ? 0 : keys.split("\n").length;
  }

  private String completeMarker() throws Exception {
    return redisCli("--scan", "--pattern", "*:mv:complete");
  }

  private boolean complete() {
    try {
      return redisCli("--scan", "--pattern", "*:mv:complete").contains(":mv:complete");
    } catch (Exception e) {
      return false;
    }
  }

  private double rebuilds() {
    Matcher m = Pattern.compile("(?m)^loyalty_read_model_rebuilds_total(?:\\{[^}]*})? ([0-9.eE+]+)$")
        .matcher(engine.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static JsonObject purchase(String transactionId, String member, long total) {
    return new JsonObject().put("transactionId", transactionId).put("memberExternalId", member)
        .put("occurredAt", Instant.now().minusSeconds(60).toString()).put("total", total).put("currency", "EUR")
        .put("items", new JsonArray().add(new JsonObject().put("sku", "S").put("quantity", 1).put("amount", total)));
  }

  @Test
  @DisplayName("a flushed Redis is filled with every member's document again within a few ticks, with no read asking")
  void flushedRedisIsWarmedAgain() throws Exception {
    assertTrue(eventually(10_000, this::complete), "the start-up warm-up marked the model complete");
    assertTrue(eventually(5_000, () -> {
      try {
        return documents() == MEMBERS;
      } catch (Exception e) {
        return false;
      }
    }), "every member has a document");
    String before = redisCli("GET", completeMarker()); // the token of the warm-up that completed the model
    redisCli("FLUSHALL");
    assertTrue(eventually(10_000, () -> {
      try {
        String now = redisCli("GET", completeMarker());
        return !now.isEmpty() && !now.equals(before) && documents() == MEMBERS;
      } catch (Exception e) {
        return false;
      }
    }), "a new warm-up filled every document again");
  }

  @Test
  @DisplayName("a new tier set has every member's document rendered again by the warm-up, not by the reads")
  void tierChangeRewarms() throws Exception {
    assertTrue(eventually(10_000, this::complete));
    Reply tiers = engine.send(io.vertx.core.http.HttpMethod.PUT, "/v1/tiers", tenant.adminKey(), "application/json",
        new JsonObject().put("qualification", new JsonObject().put("basis", "lifetime"))
            .put("tiers", new JsonArray().add(new JsonObject().put("code", "silver").put("name", "Silver")
                .put("threshold", 100))).toBuffer());
    assertEquals(200, tiers.status(), tiers.body().toString());
    int version = tiers.json().getInteger("version");
    assertTrue(!complete(), "the model is incomplete from the answer on");
    assertTrue(eventually(10_000, this::complete), "warmed again");
    for (int i = 0; i < MEMBERS; i++) {
      String[] header = redisCli("GET", engine.memberCacheKey(tenant.id(), "r" + i)).split("\\|", 4);
      assertEquals(version, Integer.parseInt(header[2]), "r" + i + " rendered with the new tiers");
    }
  }

  @Test
  @DisplayName("200 concurrent reads of a member without a document rebuild it at most once per HTTP verticle")
  void noStampede() throws Exception {
    assertTrue(eventually(10_000, this::complete));
    engine.post("/v1/transactions", tenant.adminKey(), purchase("ns-1", "r1", 1_200));
    redisCli("DEL", engine.memberCacheKey(tenant.id(), "r1")); // the model stays marked complete: no warm-up helps
    double before = rebuilds();
    List<Future<Reply>> reads = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      reads.add(engine.getAsync("/v1/members/r1/status", tenant.adminKey()));
    }
    Future.all(reads).await();
    for (Future<Reply> r : reads) {
      assertEquals(200, r.result().status());
      assertEquals(12, r.result().json().getJsonObject("points").getLong("available"));
    }
    double rebuilt = rebuilds() - before;
    assertTrue(rebuilt >= 1 && rebuilt <= 2, "rebuilds: " + rebuilt + " (2 HTTP verticles)");
  }

  @Test
  @DisplayName("Redis killed under reads and writes: no error, every read shows the balance PostgreSQL has; restarted empty, it is warmed again")
  void redisKilledUnderLoad() throws Exception {
    assertTrue(eventually(10_000, this::complete));
    AtomicInteger errors = new AtomicInteger();
    List<Future<Reply>> inFlight = new ArrayList<>();
    for (int round = 0; round < 6; round++) {
      if (round == 2) {
        redis.destroyForcibly().waitFor();
      }
      for (int i = 0; i < MEMBERS; i++) {
        inFlight.add(engine.postAsync("/v1/transactions", tenant.adminKey(), purchase("k-" + round + "-" + i, "r" + i, 100)));
        inFlight.add(engine.getAsync("/v1/members/r" + i + "/status", tenant.adminKey()));
      }
      Future.join(inFlight).await();
      for (Future<Reply> f : inFlight) {
        if (f.failed() || f.result().status() >= 500) {
          errors.incrementAndGet();
        }
      }
      inFlight.clear();
    }
    assertEquals(0, errors.get(), "no request failed while Redis was gone");
    for (int i = 0; i < MEMBERS; i++) {
      assertEquals(6, engine.get("/v1/members/r" + i + "/status", tenant.adminKey()).json()
          .getJsonObject("points").getLong("available"), "r" + i + " read from PostgreSQL while Redis is down");
    }
    redis = ThrowawayRedis.start(redisPort);
    assertTrue(eventually(15_000, this::complete), "warmed again once Redis is back");
    for (int i = 0; i < MEMBERS; i++) {
      assertEquals(6, engine.get("/v1/members/r" + i + "/status", tenant.adminKey()).json()
          .getJsonObject("points").getLong("available"));
    }
  }
}
