package org.loyaltyengine.platform;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("A verticle's line to Redis")
class RedisLinkTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  @DisplayName("a reset (a circuit opening) gives its connection back: more resets than the pool holds still leave a working line")
  void resetsDoNotLeakPoolSlots() {
    Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(TestEngine.REDIS_URL)
        .setMaxPoolSize(2).setMaxPoolWaiting(16));
    try {
      RedisLink link = new RedisLink(redis);
      for (int i = 0; i < 10; i++) {
        assertEquals("PONG", link.send(Request.cmd(Command.PING)).timeout(2, TimeUnit.SECONDS).await().toString(),
            "call after " + i + " resets");
        link.reset();
      }
    } finally {
      redis.close();
    }
  }
}
