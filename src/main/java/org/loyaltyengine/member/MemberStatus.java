package org.loyaltyengine.member;

import org.loyaltyengine.platform.Rejection;

import java.util.Locale;

/** A blocked member can neither earn nor redeem; their history stays readable. */
public enum MemberStatus {
  ACTIVE, BLOCKED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static MemberStatus parse(String field, String value) {
    for (MemberStatus s : values()) {
      if (s.wireName().equals(value)) {
        return s;
      }
    }
    throw Rejection.invalid(field, field + " must be active or blocked");
  }
}
