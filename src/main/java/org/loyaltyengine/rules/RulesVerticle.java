package org.loyaltyengine.rules;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.loyaltyengine.platform.AppConfig;

/**
 * The rules worker: consumes {@link #ADDRESS}, evaluates a purchase or event against the tenant's compiled
 * rule set (reading the member's cap usage when the set has caps or budgets) and replies a
 * {@link RuleVerdict}. Holds no state but the node-wide compiled-set cache, so any number of instances, on
 * any node, can serve the address.
 */
public final class RulesVerticle extends VerticleBase {
  /** Event-bus address of rule evaluation: body {@link EvaluationRequest}, reply {@link RuleVerdict}. */
  public static final String ADDRESS = "loyalty.rules.evaluate";

  private final AppConfig config;
  private final RuleSetCache cache;
  private Pool pool;
  private RuleSetRepository rules;

  /** Cap-counter reads of concurrent evaluations in one query at most; more wait for the next. */
  static final int USAGE_BATCH = 100;
  /** Reads waiting at most; one more is refused (503 overloaded), like an evaluation past its bound. */
  static final int USAGE_MAX_QUEUED = 4_096;

  public RulesVerticle(AppConfig config, RuleSetCache cache) {
    this.config = config;
    this.cache = cache;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(Math.max(1, config.pg().poolSize() / 2)).setName("pg-rules"))
        .connectingTo(config.pg().primary())
        .using(vertx)
        .build();
    // bounded like the evaluations that wait for them (admission.rulesMaxPending per HTTP verticle)
    rules = new RuleSetRepository(pool).gatherUsageReads(USAGE_BATCH, USAGE_MAX_QUEUED, vertx);
    return vertx.eventBus().<EvaluationRequest>consumer(ADDRESS, this::evaluate).completion();
  }

  private void evaluate(Message<EvaluationRequest> message) {
    EvaluationRequest request = message.body();
    Future<CompiledRuleSet> compiled = request.proposed() != null
        ? Future.succeededFuture(CompiledRuleSet.compile(request.proposed()))
        : cache.get(request.tenantId(), request.rulesVersion(), () -> rules.find(request.tenantId(), request.rulesVersion()));
    compiled.compose(set -> {
      java.time.Instant at = request.purchase() != null ? request.purchase().occurredAt() : request.event().occurredAt();
      Future<CapUsage> usage = request.memberId() == null || !(set.hasCaps() || set.hasBudgets())
          ? Future.succeededFuture(CapUsage.none())
          : rules.usage(request.tenantId(), request.memberId(), set, CapWindows.keys(at, request.zone()));
      return usage.map(u -> {
        EarningContext context = new EarningContext(request.zone(), request.member(), u);
        Evaluation evaluation = request.purchase() != null
            ? set.evaluatePurchase(request.purchase(), context)
            : set.evaluateEvent(request.event(), context);
        return new RuleVerdict(evaluation, set.ruleSet());
      });
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
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
