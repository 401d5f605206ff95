package org.loyaltyengine.transaction;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest transactions of a member as the read model stores them: each item already rendered as JSON, with
 * the cursor that continues after it, and whether older transactions exist beyond them. Any first page of up
 * to {@link #size()} items is then cut from it without parsing JSON.
 *
 * <p>Stored as {@code <more 0|1>,<cursor 1>,…,<cursor n>\u0002<item 1>\u0001…\u0001<item n>}: JSON text never
 * holds a raw control character (they are escaped), so the separators cannot occur inside an item.
 */
public record HistoryPage(List<String> items, List<String> cursors, boolean more) {
  private static final char ITEM = '\u0001';
  private static final char PARTS = '\u0002';

  public HistoryPage {
    items = List.copyOf(items);
    cursors = List.copyOf(cursors);
    if (items.size() != cursors.size()) {
      throw new IllegalArgumentException("one cursor per item");
    }
  }

  public int size() {
    return items.size();
  }

  /** Whether the first page of {@code limit} items can be cut from this one (no query needed). */
  public boolean covers(int limit) {
    return limit <= items.size() || !more;
  }

  /** The reply {@code {"items":[…],"nextCursor":…}} to the first page of {@code limit} items; see {@link #covers}. */
  public String reply(int limit) {
    int n = Math.min(limit, items.size());
    StringBuilder out = new StringBuilder(64 + n * 160).append("{\"items\":[");
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(items.get(i));
    }
    out.append("],\"nextCursor\":");
    boolean next = n > 0 && (n < items.size() || more);
    return (next ? out.append('"').append(cursors.get(n - 1)).append('"') : out.append("null")).append('}').toString();
  }

  public String encode() {
    StringBuilder out = new StringBuilder(items.size() * 180).append(more ? '1' : '0');
    cursors.forEach(c -> out.append(',').append(c));
    out.append(PARTS);
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        out.append(ITEM);
      }
      out.append(items.get(i));
    }
    return out.toString();
  }

  public static HistoryPage decode(String stored) {
    int parts = stored.indexOf(PARTS);
    String head = stored.substring(0, parts);
    List<String> cursors = new ArrayList<>();
    int at = 1;
    while (at < head.length()) {
      int next = head.indexOf(',', at + 1);
      cursors.add(head.substring(at + 1, next < 0 ? head.length() : next));
      at = next < 0 ? head.length() : next;
    }
    List<String> items = new ArrayList<>(cursors.size());
    int start = parts + 1;
    for (int i = 0; i < cursors.size(); i++) {
      int end = stored.indexOf(ITEM, start);
      items.add(stored.substring(start, end < 0 ? stored.length() : end));
      start = end + 1;
    }
    return new HistoryPage(items, cursors, head.charAt(0) == '1');
  }
}
