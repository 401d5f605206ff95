package org.loyaltyengine.fraud;

/** One check that fired: its name, the action it asks for, and why, for the reviewer. */
public record Finding(String check, FraudAction action, String detail) {
  /** The pseudo-check reported when the checks themselves could not run (timeout, no worker, error). */
  public static final String UNAVAILABLE = "checks_unavailable";
}
