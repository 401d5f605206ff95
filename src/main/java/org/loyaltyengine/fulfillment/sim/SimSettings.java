package org.loyaltyengine.fulfillment.sim;

import org.loyaltyengine.platform.Rejection;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The simulator's run-time behaviour, changed with {@code PUT /control} or {@link SimControls}. Immutable:
 * every change makes a new value, so a request sees one consistent set of settings.
 *
 * @param latencyMs          delay before each gift-card answer
 * @param latencyJitterMs    the delay varies uniformly by up to this much either way (never below zero)
 * @param errorRate          chance that a gift-card call is answered 503 without issuing anything
 * @param permanentErrorRate chance that a new idempotency key is rejected for good ("declined")
 * @param timeoutRate        chance that a gift-card call issues its codes but is never answered
 * @param outage             every gift-card call fails at once (how depends on {@code outageMode})
 * @param outageEndsAt       when a time-boxed outage ends by itself; empty when not time-boxed or no outage
 */
public record SimSettings(long latencyMs, long latencyJitterMs, double errorRate, double permanentErrorRate,
                          double timeoutRate, boolean outage, OutageMode outageMode, Optional<Instant> outageEndsAt) {
  public static final long MAX_LATENCY_MS = 60_000;

  /** How an outage looks to clients. */
  public enum OutageMode {
    /** Gift-card calls are answered 503 at once; the server keeps listening (controls still work). */
    UNAVAILABLE,
    /** The server stops listening (connection refused) and listens again on the same port when it ends. */
    REFUSE;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static OutageMode parse(String field, String value) {
      for (OutageMode m : values()) {
        if (m.wireName().equals(value)) {
          return m;
        }
      }
      throw Rejection.invalid(field, field + " must be \"unavailable\" or \"refuse\"");
    }
  }

  public SimSettings {
    range("latencyMs", latencyMs);
    range("latencyJitterMs", latencyJitterMs);
    rate("errorRate", errorRate);
    rate("permanentErrorRate", permanentErrorRate);
    rate("timeoutRate", timeoutRate);
    if (outageMode == null) {
      throw Rejection.missing("outageMode");
    }
    if (outageEndsAt == null || !outage) {
      outageEndsAt = Optional.empty(); // an end time only means something during an outage
    }
  }

  /** No latency, no failures, no outage. */
  public static SimSettings defaults() {
    return new SimSettings(0, 0, 0, 0, 0, false, OutageMode.UNAVAILABLE, Optional.empty());
  }

  /** True while an outage is on and, if time-boxed, not yet over. */
  public boolean outageActive(Instant now) {
    return outage && outageEndsAt.map(now::isBefore).orElse(true);
  }

  /** True while the server should not listen at all. */
  public boolean refusing(Instant now) {
    return outageMode == OutageMode.REFUSE && outageActive(now);
  }

  public SimSettings withLatencyMs(long ms) {
    return new SimSettings(ms, latencyJitterMs, errorRate, permanentErrorRate, timeoutRate, outage, outageMode, outageEndsAt);
  }

  public SimSettings withLatencyJitterMs(long ms) {
    return new SimSettings(latencyMs, ms, errorRate, permanentErrorRate, timeoutRate, outage, outageMode, outageEndsAt);
  }

  public SimSettings withErrorRate(double rate) {
    return new SimSettings(latencyMs, latencyJitterMs, rate, permanentErrorRate, timeoutRate, outage, outageMode, outageEndsAt);
  }

  public SimSettings withPermanentErrorRate(double rate) {
    return new SimSettings(latencyMs, latencyJitterMs, errorRate, rate, timeoutRate, outage, outageMode, outageEndsAt);
  }

  public SimSettings withTimeoutRate(double rate) {
    return new SimSettings(latencyMs, latencyJitterMs, errorRate, permanentErrorRate, rate, outage, outageMode, outageEndsAt);
  }

  /** Starts or ends an outage; {@code endsAt} time-boxes it. */
  public SimSettings withOutage(boolean on, OutageMode mode, Optional<Instant> endsAt) {
    return new SimSettings(latencyMs, latencyJitterMs, errorRate, permanentErrorRate, timeoutRate, on, mode, endsAt);
  }

  private static void range(String field, long ms) {
    if (ms < 0 || ms > MAX_LATENCY_MS) {
      throw Rejection.invalid(field, field + " must be between 0 and " + MAX_LATENCY_MS);
    }
  }

  private static void rate(String field, double rate) {
    if (!(rate >= 0 && rate <= 1)) { // also catches NaN
      throw Rejection.invalid(field, field + " must be a number from 0 to 1");
    }
  }
}
