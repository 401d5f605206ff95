package org.loyaltyengine.tenant;

import org.loyaltyengine.platform.Rejection;

import java.util.Locale;

/** What an API key may do within its tenant. */
public enum Scope {
  /** Everything for its tenant. */
  ADMIN,
  /** Member and transaction operations: what a point of sale needs. */
  POS,
  /** GET only. */
  READ;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Scope parse(String field, String value) {
    for (Scope s : values()) {
      if (s.wireName().equals(value)) {
        return s;
      }
    }
    throw Rejection.invalid(field, "unknown scope \"" + value + "\"; expected admin, pos or read");
  }
}
