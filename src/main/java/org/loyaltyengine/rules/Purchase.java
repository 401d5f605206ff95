package org.loyaltyengine.rules;

import org.loyaltyengine.platform.Rejection;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A purchase as the earning rules see it. Amounts are minor currency units (cents); the rules do not convert
 * currencies, so the transaction API must only accept the tenant's currency.
 *
 * <p>The bounds are what keep rule arithmetic inside a {@code long}: points per rule (at most
 * {@link RuleLimits#POINTS_MAX}) times a spend of at most {@link #MAX_AMOUNT} never overflows.
 *
 * @param total the basket total after discounts; may differ from the sum of the lines
 */
public record Purchase(String transactionId, Instant occurredAt, long total, String currency, String channel,
                       String storeId, List<LineItem> items) {
  /** Ten billion in major units: far above any real basket, low enough for overflow-free arithmetic. */
  public static final long MAX_AMOUNT = 1_000_000_000_000L;
  /** The transaction API accepts at most this many lines; evaluation cost is linear in it. */
  public static final int MAX_LINES = 500;

  public Purchase {
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(currency, "currency");
    items = items == null ? List.of() : List.copyOf(items);
    if (total < 0 || total > MAX_AMOUNT) {
      throw Rejection.invalid("total", "total must be between 0 and " + MAX_AMOUNT);
    }
    if (items.size() > MAX_LINES) {
      throw Rejection.invalid("items", "a purchase may hold at most " + MAX_LINES + " lines");
    }
    long sum = 0;
    for (LineItem item : items) {
      sum += item.amount(); // each at most MAX_AMOUNT, at most MAX_LINES of them: cannot overflow
    }
    if (sum > MAX_AMOUNT) {
      throw Rejection.invalid("items", "the line amounts may add up to at most " + MAX_AMOUNT);
    }
  }
}
