package org.loyaltyengine.member;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * A member's read-model document: the status and profile replies and the first page of the transaction
 * history, already rendered, so a read is served without parsing or encoding JSON.
 *
 * <p>{@code version} orders documents (it only grows with each change to the member or balance row);
 * {@code tiersVersion} is the tier set they were rendered with (a newer one makes the document stale);
 * {@code validUntilMillis} is the first instant at which a time-dependent field would read differently
 * without any write (a lot entering the 30-day expiry window, a day leaving a rolling tier window) — the
 * document is not served from then on. The history holds the newest transactions in their stored form, from
 * which any first page of {@code GET /v1/members/{id}/transactions} is cut ({@code transaction.HistoryPage}).
 *
 * <p>Stored as {@code "<version>|<memberId>|<tiersVersion>|<validUntil>|<status>\n<profile>\n#<historyVersion>#<history>"}:
 * JSON text never holds a raw newline, and the history comes last, so it may be any bytes (it is kept deflated).
 * The version comes first because the Redis script reads it. {@code historyVersion} is the member's
 * {@code member_balances.history_version} the history was read at: a write that leaves the history alone keeps
 * it while that is still the member's (documents without one, written before, are never kept). A document read
 * from Redis keeps Redis's bytes and only remembers where each part is: a read sends its part as those bytes,
 * never decoding or encoding text.
 */
public final class CachedMember {
  private final long version;
  private final long memberId;
  private final int tiersVersion;
  private final long validUntilMillis;
  /** The history's version (member_balances.history_version), -1 when the document does not say. */
  private final long historyVersion;
  /** The stored document; the parts are ranges of it. */
  private final byte[] bytes;
  private final int status;
  private final int profile;
  private final int profileEnd;
  private final int history;

  private CachedMember(long version, long memberId, int tiersVersion, long validUntilMillis, long historyVersion,
                       byte[] bytes, int status, int profile, int profileEnd, int history) {
    this.version = version;
    this.memberId = memberId;
    this.tiersVersion = tiersVersion;
    this.validUntilMillis = validUntilMillis;
    this.historyVersion = historyVersion;
    this.bytes = bytes;
    this.status = status;
    this.profile = profile;
    this.profileEnd = profileEnd;
    this.history = history;
  }

  /** A document of unknown history version: see the other constructor. */
  public CachedMember(long version, long memberId, int tiersVersion, long validUntilMillis, String statusJson,
                      String profileJson, byte[] storedHistory) {
    this(version, memberId, tiersVersion, validUntilMillis, statusJson, profileJson, -1, storedHistory);
  }

  /**
   * A document rendered from PostgreSQL: the two replies as JSON text, the history in its stored form, read at
   * {@code historyVersion} (-1: unknown).
   */
  public CachedMember(long version, long memberId, int tiersVersion, long validUntilMillis, String statusJson,
                      String profileJson, long historyVersion, byte[] storedHistory) {
    this.version = version;
    this.memberId = memberId;
    this.tiersVersion = tiersVersion;
    this.validUntilMillis = validUntilMillis;
    this.historyVersion = historyVersion;
    byte[] head = (version + "|" + memberId + "|" + tiersVersion + "|" + validUntilMillis + "|")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] s = statusJson.getBytes(StandardCharsets.UTF_8);
    byte[] p = profileJson.getBytes(StandardCharsets.UTF_8);
    byte[] stamp = historyVersion < 0 ? new byte[0] : ("#" + historyVersion + "#").getBytes(StandardCharsets.US_ASCII);
    this.status = head.length;
    this.profile = status + s.length + 1;
    this.profileEnd = profile + p.length;
    this.history = profileEnd + 1 + stamp.length;
    this.bytes = new byte[history + storedHistory.length];
    System.arraycopy(head, 0, bytes, 0, head.length);
    System.arraycopy(s, 0, bytes, status, s.length);
    bytes[profile - 1] = '\n';
    System.arraycopy(p, 0, bytes, profile, p.length);
    bytes[profile + p.length] = '\n';
    System.arraycopy(stamp, 0, bytes, profile + p.length + 1, stamp.length);
    System.arraycopy(storedHistory, 0, bytes, history, storedHistory.length);
  }

  /** The whole document as stored, of which the parts below are ranges (not a copy: do not change it). */
  public byte[] encode() {
    return bytes;
  }

  public long version() {
    return version;
  }

  public long memberId() {
    return memberId;
  }

  public int tiersVersion() {
    return tiersVersion;
  }

  public long validUntilMillis() {
    return validUntilMillis;
  }

  public int statusOffset() {
    return status;
  }

  public int statusLength() {
    return profileOffset() - 1 - statusOffset();
  }

  public int profileOffset() {
    return profile;
  }

  public int profileLength() {
    return profileEnd - profile;
  }

  /** The version of the history this document holds (member_balances.history_version), -1 when unknown. */
  public long historyVersion() {
    return historyVersion;
  }

  public int historyOffset() {
    return history;
  }

  public int historyLength() {
    return bytes.length - historyOffset();
  }

  public String statusJson() {
    return new String(bytes, statusOffset(), statusLength(), StandardCharsets.UTF_8);
  }

  public String profileJson() {
    return new String(bytes, profileOffset(), profileLength(), StandardCharsets.UTF_8);
  }

  /** The history's stored form (a copy). */
  public byte[] history() {
    return Arrays.copyOfRange(bytes, historyOffset(), bytes.length);
  }

  /** Whether this document may be served at {@code nowMillis} to a tenant whose tier set is {@code tiersVersion}. */
  public boolean servable(int activeTiersVersion, long nowMillis) {
    return tiersVersion == activeTiersVersion && nowMillis < validUntilMillis;
  }

  /**
   * The document stored as {@code value}, keeping those bytes: only the header is parsed, and where each part
   * starts. {@code '|'} and {@code '\n'} are single bytes in UTF-8, never inside a character. Empty for anything
   * not written by {@link #encode}.
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
      long historyVersion = -1;
      int history = nl2 + 1;
      if (history < value.length && value[history] == '#') { // the history's version, then the history
        int end = indexOf(value, '#', history + 1);
        if (end < 0) {
          return Optional.empty();
        }
        historyVersion = number(value, history + 1, end);
        history = end + 1;
      }
      return Optional.of(new CachedMember(number(value, 0, a), number(value, a + 1, b),
          Math.toIntExact(number(value, b + 1, c)), number(value, c + 1, d), historyVersion, value, d + 1, nl1 + 1,
          nl2, history));
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

  /** Equal when the header and every part are: the same document, however it was made. */
  @Override
  public boolean equals(Object o) {
    return o instanceof CachedMember m && version == m.version && memberId == m.memberId
        && tiersVersion == m.tiersVersion && validUntilMillis == m.validUntilMillis && historyVersion == m.historyVersion
        && Arrays.equals(bytes, statusOffset(), bytes.length, m.bytes, m.statusOffset(), m.bytes.length);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(version) * 31 + Long.hashCode(memberId);
  }

  @Override
  public String toString() {
    return "CachedMember[version=" + version + ", memberId=" + memberId + ", tiersVersion=" + tiersVersion
        + ", validUntilMillis=" + validUntilMillis + ", historyVersion=" + historyVersion + ", status=" + statusJson()
        + ", profile=" + profileJson() + ", history=" + historyLength() + " bytes]";
  }
}
