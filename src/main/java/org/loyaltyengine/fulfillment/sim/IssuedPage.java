package org.loyaltyengine.fulfillment.sim;

import java.util.List;

/**
 * A page of every issuance so far, oldest first.
 *
 * @param count all issuances ever (rejections excluded)
 * @param codes all codes ever issued
 */
public record IssuedPage(int count, long codes, int offset, List<Issuance> items) {
  public IssuedPage {
    items = List.copyOf(items);
  }

  /** The offset of the next page, or -1 when this one reaches the end. */
  public int nextOffset() {
    int next = offset + items.size();
    return next < count ? next : -1;
  }
}
