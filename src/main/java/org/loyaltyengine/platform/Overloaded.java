package org.loyaltyengine.platform;

/**
 * A bounded queue on the request's path is full: the request is shed at once (503 {@code overloaded} with
 * {@code Retry-After}) instead of waiting. No stack trace: under overload there may be thousands a second.
 */
public final class Overloaded extends RuntimeException {
  public Overloaded(String message) {
    super(message, null, false, false);
  }
}
