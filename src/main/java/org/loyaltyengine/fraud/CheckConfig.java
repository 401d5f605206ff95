package org.loyaltyengine.fraud;

import java.time.Duration;

/**
 * One configured check. Which parameters matter depends on the kind (see docs/fraud.md): {@code max} is a
 * count, a number of points or a number of members; {@code windowMinutes} the look-back; {@code distanceKm}
 * the distance two purchases may be apart within the window; {@code minPoints} what counts as a large
 * adjustment. Unused parameters are 0.
 */
public record CheckConfig(CheckKind kind, FraudAction action, long max, int windowMinutes, long distanceKm,
                          long minPoints) {
  public static final int MAX_WINDOW_MINUTES = 7 * 24 * 60;

  public Duration window() {
    return Duration.ofMinutes(windowMinutes);
  }
}
