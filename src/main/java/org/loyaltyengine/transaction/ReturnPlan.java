package org.loyaltyengine.transaction;

import org.loyaltyengine.platform.Rejection;

import java.util.ArrayList;
import java.util.List;

/**
 * How much of a purchase a return gives back. Returned lines are valued pro rata to the line amount on the
 * cumulative returned quantity (floor(amount x returned / bought) minus what earlier returns already
 * took), so several partial returns of a line never add up to more than the line.
 *
 * @param amount            the money returned now, in minor units
 * @param returnedPerLine   units returned so far per line of the purchase, after this return
 */
public record ReturnPlan(long amount, List<Long> returnedPerLine) {

  /** A line of the original purchase. */
  public record Line(String sku, long quantity, long amount) {}

  /** Units of a SKU the customer brings back. */
  public record ReturnedItem(String sku, long quantity) {}

  /** A return of whole units; lines with the same SKU are consumed in purchase order. */
  public static ReturnPlan ofItems(List<Line> lines, List<Long> returnedBefore, List<ReturnedItem> items) {
    List<Long> returned = new ArrayList<>(returnedBefore);
    long amount = 0;
    for (int i = 0; i < items.size(); i++) {
      ReturnedItem item = items.get(i);
      long left = item.quantity();
      boolean skuFound = false;
      for (int l = 0; l < lines.size() && left > 0; l++) {
        Line line = lines.get(l);
        if (!line.sku().equals(item.sku())) {
          continue;
        }
        skuFound = true;
        long before = returned.get(l);
        long take = Math.min(left, line.quantity() - before);
        if (take <= 0) {
          continue;
        }
        amount += value(line, before + take) - value(line, before);
        returned.set(l, before + take);
        left -= take;
      }
      String field = "items[" + i + "]";
      if (!skuFound) {
        throw new Rejection(Rejection.Kind.UNPROCESSABLE, "item_not_in_purchase",
            "SKU " + item.sku() + " is not part of this purchase", field + ".sku");
      }
      if (left > 0) {
        throw new Rejection(Rejection.Kind.UNPROCESSABLE, "return_exceeds_purchase",
            "more units of " + item.sku() + " returned than were bought", field + ".quantity");
      }
    }
    return new ReturnPlan(amount, List.copyOf(returned));
  }

  /** A return of money only (say, a price adjustment); it may not exceed what is left of the total. */
  public static ReturnPlan ofAmount(long total, long returnedBefore, long amount, List<Long> returnedPerLine) {
    if (amount > total - returnedBefore) {
      throw new Rejection(Rejection.Kind.UNPROCESSABLE, "return_exceeds_purchase",
          "at most " + (total - returnedBefore) + " of this purchase is left to return", "amount");
    }
    return new ReturnPlan(amount, returnedPerLine);
  }

  /** Amounts are at most 10^12 and quantities 10^6 (the API's bounds), so the product fits a long. */
  private static long value(Line line, long units) {
    return Math.multiplyExact(line.amount(), units) / line.quantity();
  }
}
