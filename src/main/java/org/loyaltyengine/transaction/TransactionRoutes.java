package org.loyaltyengine.transaction;

import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;


/**
 * {@code GET /v1/members/{externalId}/transactions}: the member's history with keyset pagination, and
 * {@code GET /v1/transactions/{transactionId}}: one purchase of the caller's tenant.
 */
public final class TransactionRoutes {
  private final MemberLookup members;
  private final TransactionHistory history;

  public TransactionRoutes(MemberLookup members, TransactionHistory history) {
    this.members = members;
    this.history = history;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    // the member's document is read with the rate limits: one Redis call per read
    router.get("/v1/members/:externalId/transactions").handler(auth.require(members.readAhead(), Scope.READ, Scope.POS))
        .handler(this::list);
    router.get("/v1/transactions/:transactionId").handler(auth.require(Scope.READ, Scope.POS)).handler(this::show);
  }

  private void show(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String id = ctx.pathParam("transactionId");
    Responses.reply(ctx, 200, history.find(caller.tenantId(), id).compose(t -> t
        .map(io.vertx.core.Future::succeededFuture)
        .orElseGet(() -> io.vertx.core.Future.failedFuture(org.loyaltyengine.platform.Rejection.notFound(
            "transaction_not_found", "no transaction \"" + id + "\"")))));
  }

  private void list(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int limit = Paging.limit(ctx.queryParams().get("limit"));
    String cursorText = ctx.queryParams().get("cursor");
    HistoryCursor after = cursorText == null || cursorText.isEmpty() ? null : HistoryCursor.decode(cursorText);
    members.view(caller.tenantId(), ctx.pathParam("externalId"), ApiKeyAuthenticator.readAhead(ctx)).onSuccess(member -> {
      if (after == null) {
        // the newest transactions are part of the member's read-model document: a first page is cut from them
        byte[] doc = member.encode();
        byte[] page = HistoryPage.firstPage(doc, member.historyOffset(), doc.length, limit);
        if (page != null) {
          Responses.json(ctx, 200, Responses.bytes(page, 0, page.length));
          return;
        }
      }
      history.page(caller.tenantId(), member.memberId(), after, limit)
          .onSuccess(page -> Responses.json(ctx, 200, Paging.page(new JsonArray(page.items()),
              page.next() == null ? null : page.next().encode())))
          .onFailure(ctx::fail);
    }).onFailure(ctx::fail);
  }
}
