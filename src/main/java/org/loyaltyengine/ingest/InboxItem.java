package org.loyaltyengine.ingest;

import org.loyaltyengine.fraud.FraudContext;
import org.loyaltyengine.rules.CustomEvent;
import org.loyaltyengine.rules.Purchase;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * An accepted item as a worker reads it back from the inbox: its place in the inbox order ({@code batch},
 * {@code seq}; {@code createdAt} names its daily partition), the fact it carries, parsed again exactly as the
 * synchronous API parses it, and the request fingerprint computed at intake.
 *
 * @param purchase the purchase when {@code kind} is TRANSACTION, else null
 * @param event    the custom event when {@code kind} is EVENT, else null
 * @param fraud    what the item tells the fraud checks (a purchase's location, device, IP), as the API reads it
 */
public record InboxItem(long batch, int seq, Instant createdAt, UUID tenantId, ItemKind kind, String itemId,
                        String memberExternalId, String requestHash, Purchase purchase, CustomEvent event,
                        FraudContext fraud) {
  public InboxItem {
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(fraud, "fraud");
    if ((kind == ItemKind.TRANSACTION) != (purchase != null) || (kind == ItemKind.EVENT) != (event != null)) {
      throw new IllegalArgumentException("a " + kind.wireName() + " item carries exactly its own fact");
    }
  }

  /** An item that tells the fraud checks nothing. */
  public InboxItem(long batch, int seq, Instant createdAt, UUID tenantId, ItemKind kind, String itemId,
                   String memberExternalId, String requestHash, Purchase purchase, CustomEvent event) {
    this(batch, seq, createdAt, tenantId, kind, itemId, memberExternalId, requestHash, purchase, event,
        FraudContext.none());
  }

  /** An item's place in the inbox: its batch, its index there, and the day partition it is stored in. */
  public record Key(long batch, int seq, Instant createdAt) {}

  public Key key() {
    return new Key(batch, seq, createdAt);
  }

  public Instant occurredAt() {
    return purchase != null ? purchase.occurredAt() : event.occurredAt();
  }
}
