package org.loyaltyengine.ingest;

import java.util.Locale;

/** What an inbox item is: a purchase (as POST /v1/transactions takes it) or a custom event. */
public enum ItemKind {
  TRANSACTION, EVENT;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The ledger's cause type for this kind ({@code transaction} or {@code event}): the same words. */
  public String causeType() {
    return wireName();
  }

  /** The field that holds the item's idempotency key. */
  public String idField() {
    return this == TRANSACTION ? "transactionId" : "eventId";
  }

  public static ItemKind parse(String value) {
    for (ItemKind k : values()) {
      if (k.wireName().equals(value)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown item kind " + value);
  }
}
