package org.loyaltyengine.member;

import java.util.Optional;

/**
 * A member as the cache keeps it: the status and profile replies already rendered, so a cache hit is served
 * without parsing or encoding JSON. {@code tiersVersion} is the tier set they were rendered with; a newer
 * tier set makes the entry a miss. Stored as {@code "<version>|<memberId>|<tiersVersion>|<status>\n<profile>"}
 * (JSON text never holds a raw newline); the version comes first because the Redis scripts read it.
 */
public record CachedMember(long version, long memberId, int tiersVersion, String statusJson, String profileJson) {

  public String encode() {
    return version + "|" + memberId + "|" + tiersVersion + "|" + statusJson + "\n" + profileJson;
  }

  /** Empty for a fence ({@code "<version>|"}) or anything not written by {@link #encode}. */
  public static Optional<CachedMember> decode(String value) {
    int a = value.indexOf('|');
    int b = a < 0 ? -1 : value.indexOf('|', a + 1);
    int c = b < 0 ? -1 : value.indexOf('|', b + 1);
    int nl = c < 0 ? -1 : value.indexOf('\n', c + 1);
    if (nl < 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(new CachedMember(Long.parseLong(value, 0, a, 10), Long.parseLong(value, a + 1, b, 10),
          Integer.parseInt(value, b + 1, c, 10), value.substring(c + 1, nl), value.substring(nl + 1)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
