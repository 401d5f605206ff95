package org.loyaltyengine.http;

import org.loyaltyengine.platform.Rejection;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The opaque {@code nextCursor} of a keyset-paged list: the sort key of the page's last item, as base64url
 * text of its parts joined by a newline (no key part may hold one). Keyset, not offset, so a page never
 * shows an item twice or skips one when others are added meanwhile.
 */
public final class KeysetCursor {
  private static final int MAX_LENGTH = 512;

  private KeysetCursor() {}

  public static String encode(String... parts) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
  }

  /** The key parts of {@code text}, which must have {@code parts} of them; null when there is no cursor. */
  public static List<String> decode(String text, int parts) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      if (text.length() > MAX_LENGTH) {
        throw new IllegalArgumentException("too long");
      }
      String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
      List<String> out = List.of(raw.split("\n", -1));
      if (out.size() != parts) {
        throw new IllegalArgumentException("wrong shape");
      }
      return out;
    } catch (IllegalArgumentException e) {
      throw new Rejection(Rejection.Kind.INVALID, "invalid_cursor", "cursor is not one this API returned", "cursor");
    }
  }
}
