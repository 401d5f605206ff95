package org.loyaltyengine.fraud;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.loyaltyengine.platform.AppConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * A fraud worker: consumes {@link FraudScreenClient#ADDRESS}, reads the recent activity of the attempts' members
 * in one statement, runs {@link FraudChecks} on the attempts in order and replies their verdicts. Stateless (the policy travels with the
 * request), so any number of instances on any node can serve the address. Also prunes old fraud signals,
 * a bounded batch a minute (harmless when several nodes do it).
 */
public final class FraudVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(FraudVerticle.class);
  /** Longer than any check's window (a week at most) would need; signals older than this are never read. */
  static final Duration SIGNAL_RETENTION = Duration.ofDays(8);
  private static final int PRUNE_BATCH = 5_000;
  /** Attempts one request may carry: an ingestion chunk's earnings at most (LOYALTY_INGEST_CHUNK_ITEMS ≤ 10000). */
  static final int MAX_ATTEMPTS = 10_000;

  private final AppConfig config;
  private final Clock clock;
  private Pool pool;
  private FraudRepository repository;

  public FraudVerticle(AppConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(Math.max(1, config.pg().poolSize() / 2)).setName("pg-fraud")
            .setMaxWaitQueueSize(1_000))
        .connectingTo(config.pg().primary())
        .using(vertx)
        .build();
    repository = new FraudRepository(pool);
    vertx.setPeriodic(60_000, id -> repository.pruneSignals(clock.instant().minus(SIGNAL_RETENTION), PRUNE_BATCH)
        .onFailure(e -> log.warn("event=fraud_signal_prune_failed error=\"{}\"", e.getMessage())));
    return vertx.eventBus().<JsonObject>consumer(FraudScreenClient.ADDRESS, this::evaluate).completion();
  }

  private void evaluate(Message<JsonObject> message) {
    Future<List<FraudVerdict>> verdicts;
    try {
      FraudPolicy policy = FraudMessageJson.policy(message.body());
      List<Attempt> attempts = FraudMessageJson.attempts(message.body());
      if (attempts.isEmpty() || attempts.size() > MAX_ATTEMPTS) {
        throw new IllegalArgumentException(attempts.size() + " attempts in one request (1-" + MAX_ATTEMPTS + ")");
      }
      verdicts = repository.activities(policy, attempts)
          .map(activity -> FraudChecks.evaluateInOrder(policy, attempts, activity));
    } catch (RuntimeException e) {
      verdicts = Future.failedFuture(e);
    }
    verdicts.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(FraudMessageJson.reply(ar.result()));
      } else {
        message.fail(500, String.valueOf(ar.cause().getMessage()));
      }
    });
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
