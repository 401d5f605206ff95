package org.loyaltyengine.transaction;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import io.vertx.core.json.JsonObject;

/** {@code GET /v1/members/{externalId}/transactions}: the member's history with keyset pagination. */
public final class TransactionRoutes {
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;

  private final MemberLookup members;
  private final TransactionHistory history;

  public TransactionRoutes(MemberLookup members, TransactionHistory history) {
    this.members = members;
    this.history = history;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.get("/v1/members/:externalId/transactions").handler(auth.require(Scope.READ, Scope.POS)).handler(this::list);
  }

  private void list(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int limit = limit(ctx.queryParams().get("limit"));
    String cursorText = ctx.queryParams().get("cursor");
    HistoryCursor after = cursorText == null || cursorText.isEmpty() ? null : HistoryCursor.decode(cursorText);
    Responses.reply(ctx, 200, members.find(caller.tenantId(), ctx.pathParam("externalId"))
        .compose(member -> history.page(caller.tenantId(), member.memberId(), after, limit))
        .map(page -> new JsonObject()
            .put("items", page.items())
            .put("nextCursor", page.next() == null ? null : page.next().encode())));
  }

  static int limit(String raw) {
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
