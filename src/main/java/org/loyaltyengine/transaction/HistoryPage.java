package org.loyaltyengine.transaction;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest transactions of a member as the read model stores them: each item already rendered as JSON, with
 * the cursor that continues after it, and whether older transactions exist beyond them. Any first page of up
 * to {@link #size()} items is then cut from it without parsing JSON.
 *
 * <p>Stored as {@code <more 0|1>,<cursor 1>,…,<cursor n>\u0002<item 1>\u0001…\u0001<item n>}: JSON text never
 * holds a raw control character (they are escaped), so the separators cannot occur inside an item. Baskets make
 * this the bulk of a member's document (~4 KB for ten purchases), and their JSON repeats itself, so beyond
 * {@link #COMPRESS_FROM} characters it is kept deflated ({@code z<base64>}, about a fifth of the size): only the
 * transactions read pays the inflating, a few microseconds.
 */
public record HistoryPage(List<String> items, List<String> cursors, boolean more) {
  private static final char ITEM = '\u0001';
  private static final char PARTS = '\u0002';
  static final int COMPRESS_FROM = 512;
  private static final ThreadLocal<java.util.zip.Deflater> DEFLATERS =
      ThreadLocal.withInitial(() -> new java.util.zip.Deflater(java.util.zip.Deflater.BEST_SPEED, true));
  private static final ThreadLocal<java.util.zip.Inflater> INFLATERS =
      ThreadLocal.withInitial(() -> new java.util.zip.Inflater(true));

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

  /** The stored form: plain when short, else deflated. */
  public String encode() {
    String plain = plain();
    if (plain.length() < COMPRESS_FROM) {
      return plain;
    }
    byte[] raw = plain.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.util.zip.Deflater deflater = DEFLATERS.get();
    deflater.reset();
    deflater.setInput(raw);
    deflater.finish();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length / 3 + 16);
    byte[] chunk = new byte[1024];
    while (!deflater.finished()) {
      out.write(chunk, 0, deflater.deflate(chunk));
    }
    return "z" + java.util.Base64.getEncoder().encodeToString(out.toByteArray());
  }

  private String plain() {
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

  /**
   * {@code decode(stored).reply(limit)} when {@code decode(stored).covers(limit)}, else null (the page needs a
   * query) — cut from the stored text without making a list of its items (the transactions read's hot path).
   */
  public static String firstPage(String stored, int limit) {
    String plain = stored.startsWith("z") ? inflate(stored) : stored;
    int parts = plain.indexOf(PARTS);
    boolean more = plain.charAt(0) == '1';
    int count = 0;
    for (int i = 1; i < parts; i++) {
      if (plain.charAt(i) == ',') {
        count++;
      }
    }
    if (limit > count && more) {
      return null;
    }
    int n = Math.min(limit, count);
    int end = parts + 1;
    for (int i = 0; i < n; i++) {
      int next = plain.indexOf(ITEM, end);
      end = i == n - 1 ? (next < 0 ? plain.length() : next) : next + 1;
    }
    StringBuilder out = new StringBuilder(64 + (end - parts)).append("{\"items\":[");
    if (n > 0) {
      out.append(plain, parts + 1, end);
      for (int i = out.length() - (end - parts - 1); i < out.length(); i++) {
        if (out.charAt(i) == ITEM) {
          out.setCharAt(i, ',');
        }
      }
    }
    out.append("],\"nextCursor\":");
    if (n > 0 && (n < count || more)) {
      int from = 1; // the n-th cursor: after the n-th comma of the head
      for (int seen = 0; seen < n; from++) {
        if (plain.charAt(from) == ',') {
          seen++;
        }
      }
      int to = plain.indexOf(',', from);
      out.append('"').append(plain, from, to < 0 || to > parts ? parts : to).append('"');
    } else {
      out.append("null");
    }
    return out.append('}').toString();
  }

  public static HistoryPage decode(String stored) {
    return decodePlain(stored.startsWith("z") ? inflate(stored) : stored);
  }

  private static String inflate(String stored) {
    byte[] packed = java.util.Base64.getDecoder().decode(stored.substring(1));
    java.util.zip.Inflater inflater = INFLATERS.get();
    inflater.reset();
    inflater.setInput(packed);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(packed.length * 6);
    byte[] chunk = new byte[4096];
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new IllegalArgumentException("truncated history");
        }
        out.write(chunk, 0, n);
      }
    } catch (java.util.zip.DataFormatException e) {
      throw new IllegalArgumentException("corrupt history", e);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static HistoryPage decodePlain(String stored) {
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
