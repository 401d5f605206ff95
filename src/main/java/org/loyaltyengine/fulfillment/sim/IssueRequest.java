package org.loyaltyengine.fulfillment.sim;

/** One gift-card order: {@code quantity} codes of {@code sku}, at most once per idempotency key. */
public record IssueRequest(String idempotencyKey, String sku, int quantity) {
  public static final int MAX_KEY_LENGTH = 200;
  public static final int MAX_SKU_LENGTH = 100;
  public static final int MAX_QUANTITY = 100;

  public IssueRequest {
    if (idempotencyKey == null || idempotencyKey.isEmpty() || codePoints(idempotencyKey) > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("idempotencyKey must be 1-" + MAX_KEY_LENGTH + " characters");
    }
    if (sku == null || sku.isEmpty() || codePoints(sku) > MAX_SKU_LENGTH) {
      throw new IllegalArgumentException("sku must be 1-" + MAX_SKU_LENGTH + " characters");
    }
    if (quantity < 1 || quantity > MAX_QUANTITY) {
      throw new IllegalArgumentException("quantity must be 1-" + MAX_QUANTITY);
    }
  }

  private static int codePoints(String s) {
    return s.codePointCount(0, s.length()); // as JsonInput counts: characters, not UTF-16 units
  }
}
