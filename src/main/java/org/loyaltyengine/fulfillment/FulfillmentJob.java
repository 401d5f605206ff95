package org.loyaltyengine.fulfillment;

import java.util.UUID;

/** A leased fulfillment job: one redemption to be issued by one partner. */
public record FulfillmentJob(long id, UUID tenantId, String redemptionId, String partnerId, String sku, int quantity,
                             int attempts) {
  public String circuit() {
    return tenantId + ":" + partnerId;
  }
}
