package org.loyaltyengine.transaction;

import java.nio.charset.StandardCharsets;
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
 * {@link #COMPRESS_FROM} characters it is kept deflated with a preset dictionary of the API's field names, as
 * raw bytes behind an {@code x} (the document is a Redis string, binary-safe; base64 cost a third more): only
 * the transactions read pays the inflating, a few microseconds. Forms written before are still read:
 * {@code y<base64>} (the same deflate, as base64 text) and {@code z<base64>} (deflated without a dictionary).
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
      .getBytes(StandardCharsets.UTF_8);
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

  /** An item to add to a history: its rendered JSON and its keyset position. */
  public record Entry(String item, HistoryCursor at) {}

  /**
   * This history with {@code added} in their places (newest first by occurredAt, then seq), at most {@code max}
   * items: what reading the member's newest transactions again would give, when {@code added} are exactly the
   * transactions written since this history was read. An item older than all of a page that has more beyond it
   * is not on the page; items pushed past {@code max} leave it (and then there are more).
   */
  public HistoryPage withNewer(List<Entry> added, int max) {
    List<String> outItems = new ArrayList<>(items);
    List<String> outCursors = new ArrayList<>(cursors);
    List<HistoryCursor> positions = new ArrayList<>(cursors.size() + added.size());
    cursors.forEach(c -> positions.add(HistoryCursor.decode(c)));
    boolean outMore = more;
    for (Entry e : added) {
      int at = 0;
      while (at < positions.size() && newerOrSame(positions.get(at), e.at())) {
        at++;
      }
      if (at == positions.size() && outMore) {
        continue; // older than the whole page, and older ones exist beyond it: not on the page
      }
      positions.add(at, e.at());
      outItems.add(at, e.item());
      outCursors.add(at, e.at().encode());
    }
    while (outItems.size() > max) {
      int last = outItems.size() - 1;
      outItems.remove(last);
      outCursors.remove(last);
      positions.remove(last);
      outMore = true;
    }
    return new HistoryPage(outItems, outCursors, outMore);
  }

  /** Whether {@code a} comes before (or is) {@code b} in newest-first order. */
  private static boolean newerOrSame(HistoryCursor a, HistoryCursor b) {
    int byTime = a.occurredAt().compareTo(b.occurredAt());
    return byTime > 0 || (byTime == 0 && a.seq() >= b.seq());
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

  /** The stored form: plain UTF-8 when short, else {@code x} and the deflated bytes. */
  public byte[] encode() {
    byte[] raw = plain().getBytes(StandardCharsets.UTF_8);
    if (raw.length < COMPRESS_FROM) {
      return raw;
    }
    java.util.zip.Deflater deflater = DEFLATERS.get();
    deflater.reset();
    deflater.setDictionary(DICTIONARY);
    deflater.setInput(raw);
    deflater.finish();
    byte[] out = new byte[raw.length / 3 + 64];
    out[0] = 'x';
    int n = 1;
    while (!deflater.finished()) {
      if (n == out.length) {
        out = java.util.Arrays.copyOf(out, out.length * 2);
      }
      n += deflater.deflate(out, n, out.length - n);
    }
    return java.util.Arrays.copyOf(out, n);
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
    String raw = new String(text, StandardCharsets.US_ASCII);
    return CURSOR_ENCODER.encodeToString(text).equals(cursor) ? "~" + raw : cursor;
  }

  /** {@link #firstPage(byte[], int, int, int)} of a whole stored form. */
  public static byte[] firstPage(byte[] stored, int limit) {
    return firstPage(stored, 0, stored.length, limit);
  }

  /**
   * {@code decode(stored).reply(limit)} as UTF-8 when {@code decode(stored).covers(limit)}, else null (the page
   * needs a query), where the stored form is {@code doc[from, to)} — cut from its bytes without making text or
   * lists of its items (the transactions read's hot path). Separators and cursors are ASCII, single bytes in UTF-8.
   */
  public static byte[] firstPage(byte[] doc, int from, int to, int limit) {
    byte[] plain = doc;
    int start = from;
    int end = to;
    if (to > from && (doc[from] == 'x' || doc[from] == 'y' || doc[from] == 'z')) {
      plain = plainOf(doc, from, to);
      start = 0;
      end = plain.length;
    }
    int parts = indexOf(plain, PARTS, start, end);
    boolean more = plain[start] == '1';
    int count = 0;
    for (int i = start + 1; i < parts; i++) {
      if (plain[i] == ',') {
        count++;
      }
    }
    if (limit > count && more) {
      return null;
    }
    int n = Math.min(limit, count);
    int itemsEnd = parts + 1;
    for (int i = 0; i < n; i++) {
      int next = indexOf(plain, ITEM, itemsEnd, end);
      itemsEnd = i == n - 1 ? (next < 0 ? end : next) : next + 1;
    }
    byte[] cursor = null;
    if (n > 0 && (n < count || more)) {
      int at = start + 1; // the n-th cursor: after the n-th comma of the head
      for (int seen = 0; seen < n; at++) {
        if (plain[at] == ',') {
          seen++;
        }
      }
      int next = indexOf(plain, ',', at, parts);
      cursor = expand(plain, at, next < 0 ? parts : next);
    }
    int items = n > 0 ? itemsEnd - parts - 1 : 0;
    byte[] out = new byte[ITEMS_OPEN.length + items + NEXT_CURSOR.length + (cursor == null ? 4 : cursor.length + 2) + 1];
    System.arraycopy(ITEMS_OPEN, 0, out, 0, ITEMS_OPEN.length);
    int w = ITEMS_OPEN.length;
    for (int i = parts + 1; i < parts + 1 + items; i++) {
      byte b = plain[i];
      out[w++] = b == ITEM ? (byte) ',' : b;
    }
    System.arraycopy(NEXT_CURSOR, 0, out, w, NEXT_CURSOR.length);
    w += NEXT_CURSOR.length;
    if (cursor == null) {
      out[w++] = 'n';
      out[w++] = 'u';
      out[w++] = 'l';
      out[w++] = 'l';
    } else {
      out[w++] = '"';
      System.arraycopy(cursor, 0, out, w, cursor.length);
      w += cursor.length;
      out[w++] = '"';
    }
    out[w] = '}';
    return out;
  }

  private static final byte[] ITEMS_OPEN = "{\"items\":[".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NEXT_CURSOR = "],\"nextCursor\":".getBytes(StandardCharsets.US_ASCII);

  private static int indexOf(byte[] bytes, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == c) {
        return i;
      }
    }
    return -1;
  }

  /** The API's cursor of a stored one, {@code bytes[from, to)}: see {@link #compact}. */
  private static byte[] expand(byte[] bytes, int from, int to) {
    if (from < to && bytes[from] == '~') {
      return CURSOR_ENCODER.encode(java.util.Arrays.copyOfRange(bytes, from + 1, to));
    }
    return java.util.Arrays.copyOfRange(bytes, from, to);
  }

  /** {@link #expand(byte[], int, int)} of a stored cursor as text (cursors are ASCII). */
  static String expand(String stored) {
    byte[] ascii = stored.getBytes(StandardCharsets.US_ASCII);
    return new String(expand(ascii, 0, ascii.length), StandardCharsets.US_ASCII);
  }

  public static HistoryPage decode(byte[] stored) {
    return decodePlain(new String(plainOf(stored, 0, stored.length), StandardCharsets.UTF_8));
  }

  /** The plain form of the history stored as {@code doc[from, to)}, whichever form it was stored in. */
  private static byte[] plainOf(byte[] doc, int from, int to) {
    if (to == from) {
      return new byte[0];
    }
    return switch (doc[from]) {
      case 'x' -> inflate(doc, from + 1, to - from - 1, DICTIONARY);
      case 'y' -> inflateBase64(doc, from, to, DICTIONARY);
      case 'z' -> inflateBase64(doc, from, to, null);
      default -> java.util.Arrays.copyOfRange(doc, from, to);
    };
  }

  private static byte[] inflateBase64(byte[] doc, int from, int to, byte[] dictionary) {
    byte[] packed;
    try {
      packed = java.util.Base64.getDecoder().decode(java.util.Arrays.copyOfRange(doc, from + 1, to));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("corrupt history", e);
    }
    return inflate(packed, 0, packed.length, dictionary);
  }

  private static byte[] inflate(byte[] packed, int from, int length, byte[] dictionary) {
    java.util.zip.Inflater inflater = INFLATERS.get();
    inflater.reset();
    if (dictionary != null) {
      inflater.setDictionary(dictionary); // a raw stream names no dictionary: the prefix letter does
    }
    inflater.setInput(packed, from, length);
    byte[] out = new byte[Math.max(256, length * 6)];
    int n = 0;
    try {
      while (!inflater.finished()) {
        if (n == out.length) {
          out = java.util.Arrays.copyOf(out, out.length * 2);
        }
        int got = inflater.inflate(out, n, out.length - n);
        if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new IllegalArgumentException("truncated history");
        }
        n += got;
      }
    } catch (java.util.zip.DataFormatException e) {
      throw new IllegalArgumentException("corrupt history", e);
    }
    return n == out.length ? out : java.util.Arrays.copyOf(out, n);
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
