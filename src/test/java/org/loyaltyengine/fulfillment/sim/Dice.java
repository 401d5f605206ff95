package org.loyaltyengine.fulfillment.sim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.random.RandomGenerator;

/** Test random sources: one that refuses to be drawn from, and one that plays a script of doubles. */
final class Dice implements RandomGenerator {
  private final Deque<Double> script = new ArrayDeque<>();
  private final boolean refuse;

  private Dice(boolean refuse, double... doubles) {
    this.refuse = refuse;
    for (double d : doubles) {
      script.add(d);
    }
  }

  /** Fails the test on any draw: proves a decision was made without randomness. */
  static Dice untouchable() {
    return new Dice(true);
  }

  /** Answers {@code nextDouble()} with these values in order, then fails. */
  static Dice doubles(double... values) {
    return new Dice(false, values);
  }

  boolean exhausted() {
    return script.isEmpty();
  }

  @Override
  public double nextDouble() {
    if (refuse || script.isEmpty()) {
      throw new AssertionError("unexpected random draw");
    }
    return script.poll();
  }

  @Override
  public long nextLong() {
    throw new AssertionError("unexpected random draw");
  }
}
