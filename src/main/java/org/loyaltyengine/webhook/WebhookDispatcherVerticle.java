package org.loyaltyengine.webhook;

import org.loyaltyengine.events.EventFeed;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.loyaltyengine.fulfillment.Backoff;
import org.loyaltyengine.platform.AppConfig;
import org.loyaltyengine.platform.Backlog;
import org.loyaltyengine.platform.InFlightLimit;
import org.loyaltyengine.platform.TargetLookup;
import org.loyaltyengine.webhook.WebhookDeliveryRepository.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Sends webhook deliveries. Every {@code pollMs} it leases due deliveries ({@code loyalty_webhook_claim}:
 * SKIP LOCKED, so any number of nodes share the queue) and sends each without waiting for the others.
 * Only a stream's head is ever due, so each member's deliveries go out one at a time, in order.
 *
 * <p>Per subscription: at most {@code concurrencyPerEndpoint} requests in flight, each bounded by
 * {@code timeoutMs}, behind one circuit breaker. A subscription that is at its cap or whose circuit is open
 * is left out of the next claim altogether, so a dead or slow endpoint holds only its own slots and never
 * the poll, the claim or another subscription's deliveries. While its circuit is open its deliveries wait
 * without requests and without spending attempts.
 */
public final class WebhookDispatcherVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcherVerticle.class);
  private static final int MAX_ERROR_LENGTH = 500;

  private final AppConfig config;
  private final MeterRegistry registry;
  private final String owner = "webhooks-" + UUID.randomUUID();
  private final Map<UUID, CircuitBreaker> breakers = new java.util.concurrent.ConcurrentHashMap<>(); // read by scrapes
  private final Map<UUID, InFlightLimit> slots = new HashMap<>();
  private final Map<UUID, Gauge> circuitGauges = new HashMap<>();
  private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
  private Pool pool;
  private EventFeed.Subscription subscription;
  private HttpClientAgent http;
  private WebhookDeliveryRepository deliveries;
  private WebhookSender sender;
  private RetrySchedule retries;
  private boolean polling;
  private boolean stopped;
  /** The last claim may have left due deliveries behind (it was full, or a subscription hit its cap). */
  private boolean moreDue;

  /** An answer other than 2xx: a failed attempt, and a failure for the circuit breaker. */
  static final class EndpointRefused extends RuntimeException {
    final WebhookSender.Answer answer;

    EndpointRefused(WebhookSender.Answer answer) {
      super("HTTP " + answer.statusCode(), null, false, false);
      this.answer = answer;
    }
  }

  public WebhookDispatcherVerticle(AppConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    AppConfig.Webhooks w = config.webhooks();
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setName("pg-webhooks"))
        .connectingTo(config.pg().primary()).using(vertx).build();
    deliveries = new WebhookDeliveryRepository(pool);
    // The per-subscription cap is the InFlightLimit in slots. The HTTP pool is per origin (host:port), so it is sized
    // well above that cap: subscriptions of different tenants on one host must not queue behind each other.
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setName("webhooks"),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(Math.max(256, w.concurrencyPerEndpoint())));
    sender = new WebhookSender(vertx, http, w.timeoutMs(), Clock.systemUTC(),
        TargetLookup.webhooks(vertx, config));
    retries = new RetrySchedule(new Backoff(w.backoffBaseMs(), w.backoffCapMs()), Duration.ofHours(w.maxAgeHours()));
    for (Outcome o : Outcome.values()) {
      outcomes.put(o, Counter.builder("loyalty_webhook_deliveries").tag("outcome", o.name().toLowerCase(java.util.Locale.ROOT))
          .description("Webhook delivery settlements by outcome (retry and deferred are not final)").register(registry));
    }
    Backlog pending = Backlog.register(registry, "loyalty_webhook_deliveries_pending",
        "loyalty_webhook_deliveries_oldest_pending_age_seconds", "Webhook deliveries not yet delivered or failed");
    vertx.setPeriodic(w.pollMs(), id -> poll());
    vertx.setPeriodic(5_000, id -> {
      deliveries.pending().onSuccess(pending::update);
      forgetDeleted();
    });
    if (!config.metrics().perTenantLabels()) { // one node-wide figure; per-subscription gauges only when enabled
      Gauge.builder("loyalty_webhook_circuits_open", breakers,
              all -> all.values().stream().filter(b -> b.state() == CircuitBreakerState.OPEN).count())
          .description("Webhook subscriptions whose circuit is open on this node").register(registry);
    }
    // The intake side: events from the feed become deliveries (idempotent per subscription and event).
    return EventFeed.subscribe(vertx, config, new WebhookConsumer(pool)).onSuccess(s -> subscription = s);
  }

  /** One claim at a time; a full claim means more is due, so it goes again at once. */
  private void poll() {
    if (polling || stopped) {
      return;
    }
    polling = true;
    moreDue = false;
    AppConfig.Webhooks w = config.webhooks();
    deliveries.claim(w.claimBatch(), w.concurrencyPerEndpoint(), w.leaseMs(), owner, unavailable())
        .onComplete(ar -> {
          polling = false;
          if (ar.failed()) {
            log.warn("event=webhook_poll_failed error=\"{}\"", ar.cause().toString());
            return;
          }
          List<ClaimedDelivery> claimed = ar.result();
          long claimedAt = System.nanoTime();
          Map<UUID, Integer> perSubscription = new HashMap<>();
          claimed.forEach(d -> perSubscription.merge(d.subscriptionId(), 1, Integer::sum));
          moreDue = claimed.size() >= w.claimBatch()
              || perSubscription.values().stream().anyMatch(n -> n >= w.concurrencyPerEndpoint());
          claimed.forEach(d -> dispatch(d, claimedAt));
          if (claimed.size() >= w.claimBatch()) {
            vertx.runOnContext(v -> poll());
          }
        });
  }

  /** Subscriptions this node should not claim for now: circuit open, or every slot taken. */
  private UUID[] unavailable() {
    List<UUID> out = new ArrayList<>();
    breakers.forEach((id, b) -> {
      if (b.state() == CircuitBreakerState.OPEN) {
        out.add(id);
      }
    });
    slots.forEach((id, s) -> {
      if (s.full() && !out.contains(id)) {
        out.add(id);
      }
    });
    return out.toArray(UUID[]::new);
  }

  private void dispatch(ClaimedDelivery d, long claimedAt) {
    if (!d.active()) {
      settle(d, Outcome.CANCELLED, null, "subscription deleted", 0);
      return;
    }
    CircuitBreaker breaker = breaker(d.subscriptionId());
    if (breaker.state() == CircuitBreakerState.OPEN) {
      settle(d, Outcome.DEFERRED, null, null, config.webhooks().circuitResetMs());
      return;
    }
    int cap = config.webhooks().concurrencyPerEndpoint();
    // The claim leaves out subscriptions whose slots are all spoken for, so at most one claim's worth waits.
    slots.computeIfAbsent(d.subscriptionId(), k -> new InFlightLimit(cap, cap))
        .run(() -> attempt(d, breaker, claimedAt))
        .recover(e -> e instanceof InFlightLimit.QueueFull ? settle(d, Outcome.DEFERRED, null, null, 0)
            : Future.failedFuture(e))
        .onComplete(done -> {
          if (moreDue) {
            poll(); // a slot is free: the deliveries left behind can go now
          }
        });
  }

  private Future<Void> attempt(ClaimedDelivery d, CircuitBreaker breaker, long claimedAt) {
    AppConfig.Webhooks w = config.webhooks();
    // A request started later could outlive the lease (another worker may then send it too, and out of
    // order); the config guarantees leaseMs >= 3 x timeoutMs, so this leaves a request time-out to spare.
    long usableNanos = TimeUnit.MILLISECONDS.toNanos(w.leaseMs() - 2 * w.timeoutMs());
    if (System.nanoTime() - claimedAt > usableNanos) {
      return settle(d, Outcome.DEFERRED, null, null, 0);
    }
    Instant started = Instant.now();
    return breaker.<WebhookSender.Answer>execute(() -> sender.send(d)
            .compose(a -> a.successful() ? Future.succeededFuture(a) : Future.failedFuture(new EndpointRefused(a))))
        .transform(ar -> {
          if (ar.succeeded()) {
            return settle(d, Outcome.DELIVERED, ar.result().statusCode(), null, 0);
          }
          Throwable cause = ar.cause();
          if (cause instanceof OpenCircuitException) { // half-open, and another delivery is the probe
            return settle(d, Outcome.DEFERRED, null, null, w.circuitResetMs());
          }
          Integer status = cause instanceof EndpointRefused r ? r.answer.statusCode() : null;
          String error = describe(cause);
          Instant first = d.firstAttemptAt() != null ? d.firstAttemptAt() : started;
          OptionalLong delay = retries.afterFailure(d.attempts() + 1, first, Instant.now(),
              bound -> ThreadLocalRandom.current().nextLong(bound));
          if (delay.isPresent()) {
            return settle(d, Outcome.RETRY, status, error, delay.getAsLong());
          }
          log.warn("event=webhook_delivery_failed subscription={} delivery={} event={} attempts={} error=\"{}\"",
              d.subscriptionId(), d.id(), d.eventId(), d.attempts() + 1, error);
          return settle(d, Outcome.FAILED, status, "gave up after " + (d.attempts() + 1) + " attempts over "
              + w.maxAgeHours() + " h; last: " + error, 0);
        });
  }

  private static String describe(Throwable cause) {
    String text;
    if (cause instanceof EndpointRefused r) {
      String body = r.answer.bodyStart().strip();
      text = "HTTP " + r.answer.statusCode() + (body.isEmpty() ? "" : ": " + body);
    } else if (cause instanceof WebhookSender.EndpointTimeout) {
      text = cause.getMessage();
    } else {
      text = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    return text.length() > MAX_ERROR_LENGTH ? text.substring(0, MAX_ERROR_LENGTH) : text;
  }

  /**
   * Records the outcome (only while this worker still holds the lease). A failure to record is logged and
   * left to the lease: the delivery comes due again when it runs out, so it is sent at least once.
   */
  private Future<Void> settle(ClaimedDelivery d, Outcome outcome, Integer status, String error, long delayMs) {
    return deliveries.settle(d.id(), owner, outcome, status, error, delayMs)
        .onSuccess(settled -> {
          if (settled) {
            outcomes.get(outcome).increment();
          }
        })
        .<Void>mapEmpty()
        .recover(e -> {
          log.warn("event=webhook_settle_failed delivery={} outcome={} error=\"{}\"", d.id(), outcome, e.toString());
          return Future.succeededFuture();
        });
  }

  private CircuitBreaker breaker(UUID subscription) {
    return breakers.computeIfAbsent(subscription, id -> {
      AppConfig.Webhooks w = config.webhooks();
      CircuitBreaker b = CircuitBreaker.create("webhook:" + id, vertx, new CircuitBreakerOptions()
          .setMaxFailures(w.circuitFailuresToOpen())
          .setTimeout(-1) // the sender bounds each request itself
          .setResetTimeout(w.circuitResetMs())
          .setNotificationAddress(null)); // no periodic event-bus notice per webhook; the gauge below reports it
      b.openHandler(v -> {
        log.warn("event=circuit_open circuit=webhook:{} reason=\"{} failed deliveries\"", id, w.circuitFailuresToOpen());
        deliveries.park(id, w.circuitResetMs())
            .onFailure(e -> log.warn("event=webhook_park_failed subscription={} error=\"{}\"", id, e.toString()));
      }).halfOpenHandler(v -> log.info("event=circuit_half_open circuit=webhook:{}", id))
          .closeHandler(v -> log.info("event=circuit_closed circuit=webhook:{}", id));
      if (config.metrics().perTenantLabels()) {
        circuitGauges.put(id, Gauge.builder("loyalty_webhook_circuit_open", b,
                x -> x.state() == CircuitBreakerState.OPEN ? 1 : 0)
            .description("1 while the webhook subscription's circuit is open").tag("subscription", id.toString())
            .register(registry));
      }
      return b;
    });
  }

  /**
   * Drops the breaker, slots and gauge of subscriptions deleted since (on any node): their deliveries are
   * cancelled, so nothing here would ever use them again, and a deleted webhook must not linger in /metrics.
   */
  private void forgetDeleted() {
    if (breakers.isEmpty()) {
      return;
    }
    UUID[] known = breakers.keySet().toArray(UUID[]::new);
    deliveries.activeAmong(known).onSuccess(active -> {
      for (UUID id : known) {
        InFlightLimit limit = slots.get(id);
        if (!active.contains(id) && (limit == null || !limit.full())) {
          breakers.remove(id).close();
          slots.remove(id);
          Gauge gauge = circuitGauges.remove(id);
          if (gauge != null) {
            registry.remove(gauge);
          }
        }
      }
    }).onFailure(e -> log.debug("event=webhook_forget_failed error=\"{}\"", e.toString()));
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    Future<Void> unsubscribed = subscription == null ? Future.succeededFuture() : subscription.close();
    return unsubscribed.eventually(() -> http.close()).eventually(() -> pool.close());
  }
}
