package org.loyaltyengine.fulfillment.sim;

import org.loyaltyengine.fulfillment.sim.SimSettings.OutageMode;
import org.loyaltyengine.platform.Rejection;

import java.time.Instant;
import java.util.Optional;

/**
 * A partial update of {@link SimSettings}: absent fields keep their value. {@code outageForMs} time-boxes the
 * outage it comes with; setting {@code outage} without it makes the outage open-ended.
 */
public record SettingsChange(Optional<Long> latencyMs, Optional<Long> latencyJitterMs, Optional<Double> errorRate,
                             Optional<Double> permanentErrorRate, Optional<Double> timeoutRate,
                             Optional<Boolean> outage, Optional<OutageMode> outageMode, Optional<Long> outageForMs) {
  /** One hour: an outage left on by a forgotten test ends by itself only if time-boxed, so keep the box small. */
  public static final long MAX_OUTAGE_FOR_MS = 3_600_000;

  public static SettingsChange none() {
    return new SettingsChange(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public SettingsChange withLatencyMs(long ms) {
    return new SettingsChange(Optional.of(ms), latencyJitterMs, errorRate, permanentErrorRate, timeoutRate, outage, outageMode, outageForMs);
  }

  public SettingsChange withLatencyJitterMs(long ms) {
    return new SettingsChange(latencyMs, Optional.of(ms), errorRate, permanentErrorRate, timeoutRate, outage, outageMode, outageForMs);
  }

  public SettingsChange withErrorRate(double rate) {
    return new SettingsChange(latencyMs, latencyJitterMs, Optional.of(rate), permanentErrorRate, timeoutRate, outage, outageMode, outageForMs);
  }

  public SettingsChange withPermanentErrorRate(double rate) {
    return new SettingsChange(latencyMs, latencyJitterMs, errorRate, Optional.of(rate), timeoutRate, outage, outageMode, outageForMs);
  }

  public SettingsChange withTimeoutRate(double rate) {
    return new SettingsChange(latencyMs, latencyJitterMs, errorRate, permanentErrorRate, Optional.of(rate), outage, outageMode, outageForMs);
  }

  public SettingsChange withOutage(boolean on) {
    return new SettingsChange(latencyMs, latencyJitterMs, errorRate, permanentErrorRate, timeoutRate, Optional.of(on), outageMode, outageForMs);
  }

  public SettingsChange withOutageMode(OutageMode mode) {
    return new SettingsChange(latencyMs, latencyJitterMs, errorRate, permanentErrorRate, timeoutRate, outage, Optional.of(mode), outageForMs);
  }

  public SettingsChange withOutageForMs(long ms) {
    return new SettingsChange(latencyMs, latencyJitterMs, errorRate, permanentErrorRate, timeoutRate, outage, outageMode, Optional.of(ms));
  }

  /** The settings after this change; a {@link Rejection} naming the field when a value is out of range. */
  public SimSettings applyTo(SimSettings current, Instant now) {
    boolean on = outage.orElse(current.outage());
    Optional<Instant> endsAt = current.outageEndsAt();
    if (outageForMs.isPresent()) {
      long ms = outageForMs.get();
      if (ms < 1 || ms > MAX_OUTAGE_FOR_MS) {
        throw Rejection.invalid("outageForMs", "outageForMs must be between 1 and " + MAX_OUTAGE_FOR_MS);
      }
      if (!on) {
        throw Rejection.invalid("outageForMs", "outageForMs needs \"outage\": true");
      }
      endsAt = Optional.of(now.plusMillis(ms));
    } else if (outage.isPresent()) {
      endsAt = Optional.empty();
    }
    return new SimSettings(
        latencyMs.orElse(current.latencyMs()),
        latencyJitterMs.orElse(current.latencyJitterMs()),
        errorRate.orElse(current.errorRate()),
        permanentErrorRate.orElse(current.permanentErrorRate()),
        timeoutRate.orElse(current.timeoutRate()),
        on,
        outageMode.orElse(current.outageMode()),
        endsAt);
  }
}
