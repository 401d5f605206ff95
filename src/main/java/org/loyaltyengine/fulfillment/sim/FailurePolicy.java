package org.loyaltyengine.fulfillment.sim;

import java.util.random.RandomGenerator;

/**
 * The dice: which calls fail, which keys are declined, how long an answer takes. Rates of 0 and 1 never
 * draw a number, so they are exact; anything in between draws from the injected generator.
 */
public final class FailurePolicy {
  /** What happens to one gift-card call once its body has been read. */
  public enum Fate {
    /** 503 without issuing anything. */
    UNAVAILABLE,
    /** Issue the codes, then never answer: the response is "lost". */
    LOST_RESPONSE,
    /** Issue (or replay) and answer normally. */
    ANSWER
  }

  private final RandomGenerator random;

  public FailurePolicy(RandomGenerator random) {
    this.random = random;
  }

  public Fate fate(SimSettings s) {
    if (chance(s.errorRate())) {
      return Fate.UNAVAILABLE;
    }
    if (chance(s.timeoutRate())) {
      return Fate.LOST_RESPONSE;
    }
    return Fate.ANSWER;
  }

  /** Drawn once, when a key is first seen; the registry remembers the answer. */
  public boolean declines(SimSettings s) {
    return chance(s.permanentErrorRate());
  }

  /** Latency plus uniform jitter in [-jitter, +jitter], never negative. */
  public long delayMs(SimSettings s) {
    long jitter = s.latencyJitterMs();
    if (jitter == 0) {
      return s.latencyMs();
    }
    return Math.max(0, s.latencyMs() + random.nextLong(-jitter, jitter + 1));
  }

  private boolean chance(double rate) {
    if (rate <= 0) {
      return false;
    }
    if (rate >= 1) {
      return true;
    }
    return random.nextDouble() < rate;
  }
}
