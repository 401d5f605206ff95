package org.loyaltyengine.webhook;

import org.loyaltyengine.platform.Rejection;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Position in a newest-first delivery log: the id of the last delivery shown (keyset, never offset). */
public record DeliveryCursor(long deliveryId) {

  public String encode() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("d" + deliveryId).getBytes(StandardCharsets.US_ASCII));
  }

  public static DeliveryCursor decode(String text) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.US_ASCII);
      if (!raw.startsWith("d")) {
        throw new IllegalArgumentException(raw);
      }
      return new DeliveryCursor(Long.parseLong(raw.substring(1)));
    } catch (RuntimeException e) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_cursor", "cursor is not one this API returned", "cursor");
    }
  }
}
