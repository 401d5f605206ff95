package org.loyaltyengine.fulfillment.sim;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the simulator decided for one idempotency key, first time and forever: either codes issued or a
 * permanent rejection with its reason.
 */
public record Issuance(String idempotencyKey, String sku, int quantity, Status status, List<String> codes,
                       Optional<String> error, Instant at) {
  public enum Status { ISSUED, REJECTED }

  public Issuance {
    codes = List.copyOf(codes);
    if (status == Status.ISSUED ? codes.size() != quantity || error.isPresent() : !codes.isEmpty() || error.isEmpty()) {
      throw new IllegalArgumentException("an issuance has its quantity of codes, a rejection a reason and no codes");
    }
  }

  /** Whether {@code request} is the same order as the one first made with this key. */
  public boolean sameOrderAs(IssueRequest request) {
    return sku.equals(request.sku()) && quantity == request.quantity();
  }
}
