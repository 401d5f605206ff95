package org.loyaltyengine.rules;

import org.loyaltyengine.platform.Rejection;

import java.util.Objects;
import java.util.Set;

/**
 * One basket line as the rules see it.
 *
 * @param sku      the product code, matched exactly (case-sensitive)
 * @param category the product category, or null when the retailer sent none
 * @param quantity units on the line (informational: {@code amount} already has it applied)
 * @param amount   the line value in minor currency units, quantity applied, 0..{@link Purchase#MAX_AMOUNT}
 * @param labels   free labels such as "promo" or "organic"
 */
public record LineItem(String sku, String category, long quantity, long amount, Set<String> labels) {
  public static final long MAX_QUANTITY = 1_000_000;
  public static final int MAX_LABELS = 20;

  public LineItem {
    Objects.requireNonNull(sku, "sku");
    if (quantity < 1 || quantity > MAX_QUANTITY) {
      throw Rejection.invalid("quantity", "quantity must be between 1 and " + MAX_QUANTITY);
    }
    if (amount < 0 || amount > Purchase.MAX_AMOUNT) {
      throw Rejection.invalid("amount", "amount must be between 0 and " + Purchase.MAX_AMOUNT);
    }
    labels = labels == null ? Set.of() : Set.copyOf(labels);
    if (labels.size() > MAX_LABELS) {
      throw Rejection.invalid("labels", "a line may carry at most " + MAX_LABELS + " labels");
    }
  }
}
