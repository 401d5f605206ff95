package org.loyaltyengine.transaction;

import org.loyaltyengine.platform.Rejection;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * Position in a member's newest-first transaction history: the (occurredAt, seq) of the last item shown.
 * Keyset, not offset, so concurrent inserts never shift a page: nothing is shown twice or skipped.
 */
public record HistoryCursor(Instant occurredAt, long seq) {

  public String encode() {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, occurredAt);
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((micros + ":" + seq).getBytes(StandardCharsets.US_ASCII));
  }

  public static HistoryCursor decode(String text) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.US_ASCII);
      int colon = raw.indexOf(':');
      long micros = Long.parseLong(raw.substring(0, colon));
      long seq = Long.parseLong(raw.substring(colon + 1));
      return new HistoryCursor(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), seq);
    } catch (RuntimeException e) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_cursor", "cursor is not one this API returned", "cursor");
    }
  }
}
