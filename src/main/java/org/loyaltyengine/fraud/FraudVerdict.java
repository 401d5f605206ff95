package org.loyaltyengine.fraud;

import java.util.List;

/** The checks' answer for one write: the strictest action among the findings (allow when none fired). */
public record FraudVerdict(FraudAction action, List<Finding> findings) {
  public static final FraudVerdict CLEAR = new FraudVerdict(FraudAction.ALLOW, List.of());

  public static FraudVerdict of(List<Finding> findings) {
    FraudAction action = FraudAction.ALLOW;
    for (Finding f : findings) {
      action = action.max(f.action());
    }
    return new FraudVerdict(action, List.copyOf(findings));
  }

  /** The finding that decided a refusal or hold (the first of the strictest). */
  public Finding deciding() {
    return findings.stream().filter(f -> f.action() == action).findFirst().orElseThrow();
  }
}
