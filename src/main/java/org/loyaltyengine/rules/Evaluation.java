package org.loyaltyengine.rules;

import java.util.List;

/**
 * The outcome of evaluating one fact: the points to award and which rules awarded them, in evaluation order.
 * Only rules that awarded points appear.
 */
public record Evaluation(long points, List<Award> breakdown) {
  public static final Evaluation NOTHING = new Evaluation(0, List.of());

  public Evaluation {
    breakdown = List.copyOf(breakdown);
    long sum = 0;
    for (Award award : breakdown) {
      sum = Math.addExact(sum, award.points());
    }
    if (sum != points) {
      throw new IllegalArgumentException("points " + points + " differ from the breakdown's sum " + sum);
    }
  }
}
