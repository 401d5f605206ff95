package org.loyaltyengine.platform;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One verticle's line to Redis: a single long-lived, pipelined connection (a pooled connection's checkout and
 * return cost more than the command itself), reopened on the next call after it breaks, and Lua scripts sent
 * by their SHA. Bound to the verticle's event loop; never shared across verticles.
 */
public final class RedisLink {
  /** A Lua script and its SHA-1, computed once. */
  public record Script(String text, String sha) {
    public static Script of(String text) {
      try {
        return new Script(text, HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8))));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A call slower than this counts as a failure toward a circuit (its caller gives up much sooner). */
  public static final long SICK_MS = 1000;

  private final Redis redis;
  private Future<RedisConnection> connection;

  /**
   * {@code command} behind {@code breaker} (which must have no time limit of its own) with two time limits: the
   * caller waits at most {@code timeoutMs}, while the circuit counts the call as failed only if Redis errs or
   * answers after {@link #SICK_MS}. A burst queued on the node's own event loop is late without Redis failing,
   * and must not open the circuit (the server overloaded is not Redis down).
   */
  public static Future<Response> guarded(io.vertx.circuitbreaker.CircuitBreaker breaker, long timeoutMs,
                                         java.util.function.Supplier<Future<Response>> command) {
    return breaker.<Response>execute(() -> command.get().timeout(SICK_MS, java.util.concurrent.TimeUnit.MILLISECONDS))
        .timeout(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public RedisLink(Redis redis) {
    this.redis = redis;
  }

  public Future<Response> send(Request request) {
    if (connection == null || connection.failed()) {
      Future<RedisConnection> opening = redis.connect();
      connection = opening;
      opening.onSuccess(c -> {
        c.exceptionHandler(err -> forget(opening));
        c.endHandler(v -> forget(opening));
      });
    }
    return connection.compose(c -> c.send(request));
  }

  /**
   * Runs {@code script} with EVALSHA; a Redis that has not seen it yet (first call, or restarted, or flushed)
   * answers NOSCRIPT, and EVAL both runs and caches it. The script text crosses the wire once per Redis life.
   */
  public Future<Response> eval(Script script, List<String> keys, List<?> args) {
    return send(scriptCall(Command.EVALSHA, script.sha(), keys, args))
        .recover(err -> err.getMessage() != null && err.getMessage().startsWith("NOSCRIPT")
            ? send(scriptCall(Command.EVAL, script.text(), keys, args)) : Future.failedFuture(err));
  }

  private static Request scriptCall(Command command, String script, List<String> keys, List<?> args) {
    Request r = Request.cmd(command).arg(script).arg(keys.size());
    keys.forEach(r::arg);
    for (Object a : args) {
      if (a instanceof byte[] bytes) {
        r.arg(bytes); // binary-safe, as is
      } else {
        r.arg(String.valueOf(a));
      }
    }
    return r;
  }

  /**
   * Drops the connection, so the next call opens a fresh one (a hung connection looks healthy). The dropped one is
   * closed, which hands its slot back to the client's pool: without that every reset leaked a slot, and after
   * {@code LOYALTY_REDIS_POOL_SIZE} resets (circuits opening under load) no new connection could be had — the
   * rate limiter's circuit then never closed again (seen in the reads benchmark: 177 openings, no closing).
   */
  public void reset() {
    Future<RedisConnection> dropped = connection;
    connection = null;
    if (dropped != null) {
      dropped.onSuccess(RedisConnection::close);
    }
  }

  private void forget(Future<RedisConnection> broken) {
    if (connection == broken) {
      connection = null;
    }
  }
}
