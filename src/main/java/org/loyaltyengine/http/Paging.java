package org.loyaltyengine.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.platform.Rejection;

/**
 * The API's one list shape, {@code {"items": [...], "nextCursor": "…" | null}}, and the {@code limit} query
 * parameter of paged lists: 1-200, 50 when absent. Lists that are not paged answer {@code "nextCursor": null}.
 */
public final class Paging {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 200;

  private Paging() {}

  /** One page; {@code nextCursor} is what the client passes as {@code cursor} next, null on the last page. */
  public static JsonObject page(JsonArray items, String nextCursor) {
    return new JsonObject().put("items", items).put("nextCursor", nextCursor);
  }

  /** A list that is not paged: everything, and no next page. */
  public static JsonObject all(JsonArray items) {
    return page(items, null);
  }

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
