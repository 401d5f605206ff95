package org.loyaltyengine.rules;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An inverted index from sku, category and label to the rules whose item filters accept it, as bit masks
 * over "slots" (one per purchase rule with item filters, at most {@link RuleLimits#RULES_MAX}).
 *
 * <p>Matching a basket costs, per line, one hash lookup for its sku, one for its category and one per label,
 * then a few word-wide ANDs: O(lines × (2 + labels) + lines × slots / 64), independent of list sizes.
 */
final class ItemIndex {
  static final ItemIndex EMPTY = new ItemIndex(List.of());

  private final int slots;
  private final int words;
  private final Map<String, long[]> bySku = new HashMap<>();
  private final Map<String, long[]> byCategory = new HashMap<>();
  private final Map<String, long[]> byLabel = new HashMap<>();
  /** Slots whose rule has no sku filter (every sku passes), likewise for categories and labels. */
  private final long[] anySku;
  private final long[] anyCategory;
  private final long[] anyLabel;

  /** @param filters the conditions of the rules in slot order */
  ItemIndex(List<Conditions> filters) {
    this.slots = filters.size();
    this.words = (slots + 63) / 64;
    this.anySku = new long[words];
    this.anyCategory = new long[words];
    this.anyLabel = new long[words];
    for (int slot = 0; slot < slots; slot++) {
      Conditions c = filters.get(slot);
      index(slot, c.skus(), bySku, anySku);
      index(slot, c.categories(), byCategory, anyCategory);
      index(slot, c.labels(), byLabel, anyLabel);
    }
  }

  private void index(int slot, List<String> values, Map<String, long[]> masks, long[] any) {
    if (values.isEmpty()) {
      any[slot >>> 6] |= 1L << slot;
      return;
    }
    for (String value : values) {
      masks.computeIfAbsent(value, v -> new long[words])[slot >>> 6] |= 1L << slot;
    }
  }

  int slots() {
    return slots;
  }

  /** A fresh mask of {@code words()} longs, for {@link #scan}. */
  long[] newMask() {
    return new long[words];
  }

  /**
   * Adds each line's amount to {@code spend[slot]} of every slot whose filters the line passes, and sets
   * that slot's bit in {@code matched}.
   */
  void scan(List<LineItem> items, long[] spend, long[] matched) {
    long[] labels = words == 1 ? null : new long[words];
    for (int i = 0, n = items.size(); i < n; i++) {
      LineItem item = items.get(i);
      long[] sku = bySku.get(item.sku());
      long[] category = item.category() == null ? null : byCategory.get(item.category());
      if (labels != null) {
        Arrays.fill(labels, 0);
      }
      long singleWordLabels = 0;
      for (String label : item.labels()) {
        long[] m = byLabel.get(label);
        if (m != null) {
          if (labels == null) {
            singleWordLabels |= m[0];
          } else {
            for (int w = 0; w < words; w++) {
              labels[w] |= m[w];
            }
          }
        }
      }
      for (int w = 0; w < words; w++) {
        long hits = (anySku[w] | (sku == null ? 0 : sku[w]))
            & (anyCategory[w] | (category == null ? 0 : category[w]))
            & (anyLabel[w] | (labels == null ? singleWordLabels : labels[w]));
        matched[w] |= hits;
        while (hits != 0) {
          int bit = Long.numberOfTrailingZeros(hits);
          spend[(w << 6) + bit] += item.amount(); // at most Purchase.MAX_AMOUNT in all: no overflow
          hits &= hits - 1;
        }
      }
    }
  }

  static boolean has(long[] mask, int slot) {
    return (mask[slot >>> 6] & (1L << slot)) != 0;
  }
}
