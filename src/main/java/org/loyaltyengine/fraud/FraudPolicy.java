package org.loyaltyengine.fraud;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A tenant's fraud configuration: its checks, and what happens to a write when the checks cannot run
 * (timeout, no worker reachable, error): {@code ALLOW} lets it through (fail open), {@code HOLD} holds it
 * for review (fail closed, without refusing a customer for the engine's own trouble).
 */
public record FraudPolicy(OnFailure onFailure, List<CheckConfig> checks) {
  public static final FraudPolicy NONE = new FraudPolicy(OnFailure.ALLOW, List.of());

  public enum OnFailure { ALLOW, HOLD }

  public FraudPolicy {
    checks = List.copyOf(checks);
  }

  public boolean isEmpty() {
    return checks.isEmpty();
  }

  /** Whether any check looks at this kind of write: if none does, the write skips the checks entirely. */
  public boolean covers(Attempt.Kind kind) {
    return checks.stream().anyMatch(c -> c.kind().appliesTo(kind));
  }

  public Optional<CheckConfig> check(CheckKind kind) {
    return checks.stream().filter(c -> c.kind() == kind).findFirst();
  }

  /** The look-back of a check, or zero when it is not configured (its count is then not read). */
  public Duration window(CheckKind kind) {
    return check(kind).map(CheckConfig::window).orElse(Duration.ZERO);
  }

  /** The verdict when the checks could not run. */
  public FraudVerdict onFailure(String reason) {
    FraudAction action = onFailure == OnFailure.HOLD ? FraudAction.HOLD : FraudAction.ALLOW;
    return FraudVerdict.of(List.of(new Finding(Finding.UNAVAILABLE, action, reason)));
  }
}
