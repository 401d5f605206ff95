package org.loyaltyengine.http;

import org.loyaltyengine.platform.Rejection;

/** The {@code limit} query parameter of paged lists: 1-200, 50 when absent. */
public final class Paging {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 200;

  private Paging() {}

  public static int limit(String raw) {
    if (raw == null || raw.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(raw);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // falls through to the rejection
    }
    throw new Rejection(Rejection.Kind.INVALID, "invalid_query", "limit must be an integer from 1 to " + MAX_LIMIT, "limit");
  }
}
