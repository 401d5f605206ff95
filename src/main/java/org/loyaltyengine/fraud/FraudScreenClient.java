package org.loyaltyengine.fraud;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Asks the fraud workers for verdicts, for every write path (the API's {@link FraudClient} and the
 * asynchronous ingestion): the tenant's policy from the node cache, one event-bus request for a list of
 * attempts (request/reply with a timeout), and the tenant's {@code onFailure} verdict for every attempt when
 * no answer comes. Counts the verdicts and the failures.
 */
public final class FraudScreenClient {
  /** Event-bus address of the fraud workers: body and reply are JSON objects ({@link FraudMessageJson}). */
  public static final String ADDRESS = "loyalty.fraud.evaluate";
  private static final Logger log = LoggerFactory.getLogger(FraudScreenClient.class);

  /**
   * The verdicts, one per attempt in order; {@code unavailable} when the checks could not run and every
   * verdict is the tenant's onFailure verdict (it then depends on nothing the attempts carry).
   */
  public record Screening(List<FraudVerdict> verdicts, boolean unavailable) {}

  private final EventBus eventBus;
  private final DeliveryOptions options;
  private final FraudPolicyCache policies;
  private final Function<UUID, Future<FraudRepository.Versioned>> loader;
  private final FraudRates rates;

  /** @param localWorkers whether this node runs fraud workers: then checks stay on it, else they go to other nodes */
  public FraudScreenClient(EventBus eventBus, long timeoutMs, boolean localWorkers, FraudPolicyCache policies,
                     Function<UUID, Future<FraudRepository.Versioned>> loader, FraudRates rates) {
    this.eventBus = eventBus;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs).setLocalOnly(localWorkers);
    this.policies = policies;
    this.loader = loader;
    this.rates = rates;
  }

  /** The tenant's active policy (cached per node). */
  public Future<FraudPolicy> policy(UUID tenantId) {
    return policies.get(tenantId, loader).map(FraudRepository.Versioned::policy);
  }

  public Future<FraudVerdict> screen(FraudPolicy policy, Attempt a) {
    return screenAll(policy, List.of(a)).map(s -> s.verdicts().get(0));
  }

  /** Verdicts for {@code attempts} (one tenant, one kind), judged in order by one worker. */
  public Future<Screening> screenAll(FraudPolicy policy, List<Attempt> attempts) {
    Attempt first = attempts.get(0);
    return eventBus.<JsonObject>request(ADDRESS, FraudMessageJson.request(policy, attempts), options)
        .map(m -> {
          List<FraudVerdict> verdicts = FraudMessageJson.verdicts(m.body());
          if (verdicts.size() != attempts.size()) {
            throw new IllegalStateException(verdicts.size() + " verdicts for " + attempts.size() + " attempts");
          }
          return new Screening(verdicts, false);
        })
        .recover(err -> {
          for (int i = 0; i < attempts.size(); i++) {
            rates.unavailable();
          }
          log.warn("event=fraud_checks_unavailable tenant={} kind={} attempts={} onFailure={} error=\"{}\"",
              first.tenantId(), first.kind(), attempts.size(), policy.onFailure(), err.getMessage());
          FraudVerdict v = policy.onFailure(String.valueOf(err.getMessage()));
          return Future.succeededFuture(new Screening(Collections.nCopies(attempts.size(), v), true));
        })
        .onSuccess(s -> s.verdicts().forEach(rates::decided));
  }
}
