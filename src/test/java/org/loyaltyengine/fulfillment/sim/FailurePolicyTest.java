package org.loyaltyengine.fulfillment.sim;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.fulfillment.sim.FailurePolicy.Fate;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Failure policy")
class FailurePolicyTest {
  static final SimSettings CALM = SimSettings.defaults();

  @Test
  @DisplayName("rates of 0 never fail and never draw a random number")
  void zeroRates() {
    FailurePolicy policy = new FailurePolicy(Dice.untouchable());
    for (int i = 0; i < 100; i++) {
      assertEquals(Fate.ANSWER, policy.fate(CALM));
      assertFalse(policy.declines(CALM));
      assertEquals(0, policy.delayMs(CALM));
    }
  }

  @Test
  @DisplayName("rates of 1 always fail and never draw a random number")
  void oneRates() {
    FailurePolicy policy = new FailurePolicy(Dice.untouchable());
    assertEquals(Fate.UNAVAILABLE, policy.fate(CALM.withErrorRate(1)));
    assertEquals(Fate.LOST_RESPONSE, policy.fate(CALM.withTimeoutRate(1)));
    assertEquals(Fate.UNAVAILABLE, policy.fate(CALM.withErrorRate(1).withTimeoutRate(1)), "503 wins: nothing issued");
    assertTrue(policy.declines(CALM.withPermanentErrorRate(1)));
  }

  @Test
  @DisplayName("a rate in between fails when the draw falls below it")
  void fractionalRates() {
    Dice dice = Dice.doubles(0.29, 0.31, 0.99, 0.49, 0.51);
    FailurePolicy policy = new FailurePolicy(dice);
    SimSettings s = CALM.withErrorRate(0.3).withTimeoutRate(0.5);
    assertEquals(Fate.UNAVAILABLE, policy.fate(s));    // 0.29 < 0.3
    assertEquals(Fate.ANSWER, policy.fate(s));         // 0.31, then 0.99 for the timeout
    assertEquals(Fate.ANSWER, policy.fate(CALM.withTimeoutRate(0.49)));        // 0.49 is not below 0.49
    assertTrue(policy.declines(CALM.withPermanentErrorRate(0.52)));            // 0.51 < 0.52
    assertTrue(dice.exhausted());
  }

  @Test
  @DisplayName("latency varies by at most the jitter either way and is never negative")
  void jitter() {
    FailurePolicy policy = new FailurePolicy(new Random(1));
    SimSettings s = CALM.withLatencyMs(100).withLatencyJitterMs(20);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 2_000; i++) {
      long d = policy.delayMs(s);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    assertTrue(min >= 80 && min < 85, "min " + min);
    assertTrue(max <= 120 && max > 115, "max " + max);
    for (int i = 0; i < 100; i++) {
      assertTrue(policy.delayMs(CALM.withLatencyMs(5).withLatencyJitterMs(50)) >= 0);
    }
  }
}
