package org.loyaltyengine.fraud;

import java.util.Locale;

/** What a fraud check does when it fires: let the write through (noted), hold it for review, or refuse it. */
public enum FraudAction {
  ALLOW, HOLD, REJECT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static FraudAction of(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }

  /** The stricter of two actions: reject over hold over allow. */
  public FraudAction max(FraudAction other) {
    return other.ordinal() > ordinal() ? other : this;
  }
}
