package org.loyaltyengine.rules;

import java.time.Instant;
import java.time.ZoneId;

/** The rules worker's answer: the evaluation, and the rule set it came from (for its caps and budgets). */
public record RuleVerdict(Evaluation evaluation, RuleSet ruleSet) {

  /** The cap of {@code ruleId} in the window {@code windowKey} (a key of {@link CapWindows#keys}). */
  public long capOf(String ruleId, String windowKey, Instant occurredAt, ZoneId zone) {
    Caps caps = rule(ruleId).caps();
    CapWindows.Keys keys = CapWindows.keys(occurredAt, zone);
    Long cap = windowKey.equals(keys.day()) ? caps.day()
        : windowKey.equals(keys.week()) ? caps.week()
        : windowKey.equals(keys.month()) ? caps.month()
        : windowKey.equals(keys.lifetime()) ? caps.lifetime() : null;
    if (cap == null) {
      throw new IllegalStateException("rule " + ruleId + " has no cap for window " + windowKey);
    }
    return cap;
  }

  public long budgetOf(String ruleId) {
    Long budget = rule(ruleId).budget();
    if (budget == null) {
      throw new IllegalStateException("rule " + ruleId + " has no budget");
    }
    return budget;
  }

  private Rule rule(String ruleId) {
    for (Rule r : ruleSet.rules()) {
      if (r.id().equals(ruleId)) {
        return r;
      }
    }
    throw new IllegalStateException("no rule " + ruleId);
  }
}
