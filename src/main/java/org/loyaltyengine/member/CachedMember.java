package org.loyaltyengine.member;

import java.util.Optional;

/**
 * A member's read-model document: the status and profile replies and the first page of the transaction
 * history, already rendered, so a read is served without parsing or encoding JSON.
 *
 * <p>{@code version} orders documents (it only grows with each change to the member or balance row);
 * {@code tiersVersion} is the tier set they were rendered with (a newer one makes the document stale);
 * {@code validUntilMillis} is the first instant at which a time-dependent field would read differently
 * without any write (a lot entering the 30-day expiry window, a day leaving a rolling tier window) — the
 * document is not served from then on. {@code history} holds the newest transactions, rendered, from which
 * any first page of {@code GET /v1/members/{id}/transactions} is cut ({@code transaction.HistoryPage}).
 *
 * <p>Stored as {@code "<version>|<memberId>|<tiersVersion>|<validUntil>|<status>\n<profile>\n<history>"}
 * (JSON text never holds a raw newline); the version comes first because the Redis script reads it.
 */
public record CachedMember(long version, long memberId, int tiersVersion, long validUntilMillis, String statusJson,
                           String profileJson, String history) {

  public String encode() {
    return version + "|" + memberId + "|" + tiersVersion + "|" + validUntilMillis + "|" + statusJson + "\n"
        + profileJson + "\n" + history;
  }

  /** Whether this document may be served at {@code nowMillis} to a tenant whose tier set is {@code tiersVersion}. */
  public boolean servable(int activeTiersVersion, long nowMillis) {
    return tiersVersion == activeTiersVersion && nowMillis < validUntilMillis;
  }

  /**
   * {@link #decode(String)} from the stored bytes, as Redis answers them: each part is decoded once, without first
   * making a string of the whole. {@code '|'} and {@code '\n'} are single bytes in UTF-8, never inside a character.
   */
  public static Optional<CachedMember> decode(byte[] value) {
    int a = indexOf(value, '|', 0);
    int b = a < 0 ? -1 : indexOf(value, '|', a + 1);
    int c = b < 0 ? -1 : indexOf(value, '|', b + 1);
    int d = c < 0 ? -1 : indexOf(value, '|', c + 1);
    int nl1 = d < 0 ? -1 : indexOf(value, '\n', d + 1);
    int nl2 = nl1 < 0 ? -1 : indexOf(value, '\n', nl1 + 1);
    if (nl2 < 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(new CachedMember(number(value, 0, a), number(value, a + 1, b), Math.toIntExact(number(value, b + 1, c)),
          number(value, c + 1, d), text(value, d + 1, nl1), text(value, nl1 + 1, nl2), text(value, nl2 + 1, value.length)));
    } catch (NumberFormatException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  private static int indexOf(byte[] bytes, char c, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static String text(byte[] bytes, int from, int to) {
    return new String(bytes, from, to - from, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A decimal long as {@link Long#parseLong} reads it (optional '-', digits only, no overflow). */
  private static long number(byte[] bytes, int from, int to) {
    boolean negative = from < to && bytes[from] == '-';
    int i = negative ? from + 1 : from;
    if (i >= to || to - i > 19) {
      throw new NumberFormatException("not a number");
    }
    long n = 0;
    for (; i < to; i++) {
      int digit = bytes[i] - '0';
      if (digit < 0 || digit > 9) {
        throw new NumberFormatException("not a number");
      }
      n = Math.addExact(Math.multiplyExact(n, 10), negative ? -digit : digit);
    }
    return n;
  }

  /** Empty for anything not written by {@link #encode}. */
  public static Optional<CachedMember> decode(String value) {
    int a = value.indexOf('|');
    int b = a < 0 ? -1 : value.indexOf('|', a + 1);
    int c = b < 0 ? -1 : value.indexOf('|', b + 1);
    int d = c < 0 ? -1 : value.indexOf('|', c + 1);
    int nl1 = d < 0 ? -1 : value.indexOf('\n', d + 1);
    int nl2 = nl1 < 0 ? -1 : value.indexOf('\n', nl1 + 1);
    if (nl2 < 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(new CachedMember(Long.parseLong(value, 0, a, 10), Long.parseLong(value, a + 1, b, 10),
          Integer.parseInt(value, b + 1, c, 10), Long.parseLong(value, c + 1, d, 10), value.substring(d + 1, nl1),
          value.substring(nl1 + 1, nl2), value.substring(nl2 + 1)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
