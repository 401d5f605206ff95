package org.loyaltyengine.transaction;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest transactions of a member as the read model stores them: each item already rendered as JSON, with
 * the cursor that continues after it, and whether older transactions exist beyond them. Any first page of up
 * to {@link #size()} items is then cut from it without parsing JSON.
 *
 * <p>Stored as {@code <more 0|1>,<cursor 1>,…,<cursor n>\u0002<item 1>\u0001…\u0001<item n>}: JSON text never
 * holds a raw control character (they are escaped), so the separators cannot occur inside an item. A cursor
 * that is base64url of digits and colons (the history's own, {@code <µs>:<seq>}) is stored as that text behind
 * a {@code ~} and encoded again when read: digits deflate far better than their base64. Baskets make this the
 * bulk of a member's document (~4 KB for ten purchases), and their JSON repeats itself, so beyond
 * {@link #COMPRESS_FROM} characters it is kept deflated with a preset dictionary of the API's field names
 * ({@code y<base64>}; {@code z<base64>}, deflated without one, is still read): only the transactions read pays
 * the inflating, a few microseconds.
 */
public record HistoryPage(List<String> items, List<String> cursors, boolean more) {
  private static final char ITEM = '\u0001';
  private static final char PARTS = '\u0002';
  static final int COMPRESS_FROM = 512;
  private static final java.util.Base64.Encoder CURSOR_ENCODER = java.util.Base64.getUrlEncoder().withoutPadding();
  private static final java.util.Base64.Decoder CURSOR_DECODER = java.util.Base64.getUrlDecoder();
  /**
   * The preset dictionary of the {@code y} form: the API's own field names and shapes (no tenant data), in the
   * order of an item, the most frequent last (nearer, cheaper to refer to). Part of the stored format: change
   * it only with a new prefix letter.
   */
  private static final byte[] DICTIONARY = ("\"labels\":[\"\"],\"category\":null,\"currency\":\"USD\",\"GBP\","
      + "0,~1700000000000000:1,~1800000000000000:\u0002{\"transactionId\":\"\",\"occurredAt\":\"2026-01-01T00:00:00Z\","
      + "\"total\":,\"currency\":\"EUR\",\"items\":[{\"sku\":\"\",\"amount\":,\"category\":\"\",\"quantity\":1},"
      + "{\"sku\":\"\",\"amount\":,\"category\":\"\",\"quantity\":2}],\"pointsEarned\":}\u0001{\"transactionId\":\"")
      .getBytes(java.nio.charset.StandardCharsets.UTF_8);
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
    deflater.setDictionary(DICTIONARY);
    deflater.setInput(raw);
    deflater.finish();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length / 3 + 16);
    byte[] chunk = new byte[1024];
    while (!deflater.finished()) {
      out.write(chunk, 0, deflater.deflate(chunk));
    }
    return "y" + java.util.Base64.getEncoder().encodeToString(out.toByteArray());
  }

  private String plain() {
    StringBuilder out = new StringBuilder(items.size() * 180).append(more ? '1' : '0');
    cursors.forEach(c -> out.append(',').append(compact(c)));
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
   * {@code ~<text>} for a cursor that is base64url of digits and colons, else the cursor itself (cursors are
   * base64url text, which never starts with {@code ~}).
   */
  static String compact(String cursor) {
    if (cursor.isEmpty() || cursor.length() > 64) {
      return cursor;
    }
    byte[] text;
    try {
      text = CURSOR_DECODER.decode(cursor);
    } catch (IllegalArgumentException e) {
      return cursor;
    }
    for (byte b : text) {
      if ((b < '0' || b > '9') && b != ':') {
        return cursor;
      }
    }
    String raw = new String(text, java.nio.charset.StandardCharsets.US_ASCII);
    return CURSOR_ENCODER.encodeToString(text).equals(cursor) ? "~" + raw : cursor;
  }

  /**
   * {@code decode(stored).reply(limit)} when {@code decode(stored).covers(limit)}, else null (the page needs a
   * query) — cut from the stored text without making a list of its items (the transactions read's hot path).
   */
  public static String firstPage(String stored, int limit) {
    String plain = plainOf(stored);
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
      out.append('"').append(expand(plain.substring(from, to < 0 || to > parts ? parts : to))).append('"');
    } else {
      out.append("null");
    }
    return out.append('}').toString();
  }

  static String expand(String stored) {
    return stored.startsWith("~")
        ? CURSOR_ENCODER.encodeToString(stored.substring(1).getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        : stored;
  }

  public static HistoryPage decode(String stored) {
    return decodePlain(plainOf(stored));
  }

  /** The plain form of a stored history, whichever form it was stored in. */
  private static String plainOf(String stored) {
    return stored.startsWith("y") ? inflate(stored, DICTIONARY)
        : stored.startsWith("z") ? inflate(stored, null) : stored;
  }

  private static String inflate(String stored, byte[] dictionary) {
    byte[] packed = java.util.Base64.getDecoder().decode(stored.substring(1));
    java.util.zip.Inflater inflater = INFLATERS.get();
    inflater.reset();
    if (dictionary != null) {
      inflater.setDictionary(dictionary); // a raw stream names no dictionary: the prefix letter does
    }
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
      cursors.add(expand(head.substring(at + 1, next < 0 ? head.length() : next)));
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
