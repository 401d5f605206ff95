package org.loyaltyengine.ingest;

import java.util.Locale;

/**
 * Where an inbox item stands: {@code PENDING} until a worker settles it, then {@code APPLIED} (it earned, or
 * was recorded with 0 points), {@code DUPLICATE} (its id was already applied with the same content) or
 * {@code FAILED} (with an error code, message and field, like the synchronous API's 4xx).
 */
public enum ItemStatus {
  PENDING, APPLIED, DUPLICATE, FAILED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
