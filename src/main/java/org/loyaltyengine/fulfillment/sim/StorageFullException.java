package org.loyaltyengine.fulfillment.sim;

/** The simulator's bounded memory is full: nothing of the request was stored (HTTP 507). */
public final class StorageFullException extends RuntimeException {
  public StorageFullException(String message) {
    super(message, null, false, false);
  }
}
