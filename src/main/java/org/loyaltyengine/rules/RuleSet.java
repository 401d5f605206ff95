package org.loyaltyengine.rules;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A tenant's earning rules as uploaded: validated, in upload order. Compile it to evaluate. */
public record RuleSet(List<Rule> rules) {
  public static final RuleSet EMPTY = new RuleSet(List.of());

  public RuleSet {
    rules = List.copyOf(rules);
    if (rules.size() > RuleLimits.RULES_MAX) {
      throw new IllegalArgumentException("at most " + RuleLimits.RULES_MAX + " rules");
    }
    Set<String> ids = new HashSet<>();
    for (Rule rule : rules) {
      if (!ids.add(rule.id())) {
        throw new IllegalArgumentException("duplicate rule id " + rule.id());
      }
    }
  }
}
