package org.loyaltyengine.member;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Member external ids: what enrolment accepts, and so what a path may name")
class MemberRulesTest {

  @Test
  @DisplayName("1 to 64 of A-Z a-z 0-9 . _ : @ + -")
  void accepted() {
    for (String id : new String[] {"a", "Z", "0", "member-0267221", "a.b_c:d@e+f-g", "x".repeat(64)}) {
      assertTrue(MemberRules.isPlausibleExternalId(id), id);
    }
  }

  @Test
  @DisplayName("anything else: empty, too long, spaces, slashes, escapes, separators, non-ASCII letters")
  void refused() {
    for (String id : new String[] {"", "x".repeat(65), "a b", "a/b", "a%20b", "a|b", "a\nb", "zażółć", "a#b", "a?b",
        "a,b", "ü"}) {
      assertFalse(MemberRules.isPlausibleExternalId(id), id);
    }
    assertFalse(MemberRules.isPlausibleExternalId(null));
  }
}
