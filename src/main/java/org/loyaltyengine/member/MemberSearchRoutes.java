package org.loyaltyengine.member;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.KeysetCursor;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import java.util.List;

/**
 * {@code GET /v1/members?email=&phone=&externalIdPrefix=&status=&tier=&cursor=&limit=} (read, pos or admin):
 * the caller's tenant's members matching every filter given, ordered by external id, keyset paged.
 */
public final class MemberSearchRoutes {
  private final MemberSearchRepository search;

  public MemberSearchRoutes(MemberSearchRepository search) {
    this.search = search;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.get("/v1/members").handler(auth.require(Scope.READ, Scope.POS)).handler(this::list);
  }

  private void list(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    var q = ctx.queryParams();
    List<String> after = KeysetCursor.decode(q.get("cursor"), 1);
    MemberSearch filters = MemberSearch.of(q.get("email"), q.get("phone"), q.get("externalIdPrefix"), q.get("status"),
        q.get("tier"), after == null ? null : after.get(0), Paging.limit(q.get("limit")));
    Responses.reply(ctx, 200, search.page(caller.tenantId(), filters));
  }
}
