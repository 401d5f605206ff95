package org.loyaltyengine.transaction;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.fraud.FraudContext;
import org.loyaltyengine.fraud.FraudContextJson;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.RequestHash;
import org.loyaltyengine.ledger.LedgerReplies;
import org.loyaltyengine.ledger.LedgerRepository;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.member.MemberRules;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.rules.CustomEvent;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Purchases, returns and custom events: the writes that earn (or take back) points. */
public final class PurchaseRoutes {
  private static final Set<String> RETURN_FIELDS = Set.of("returnId", "items", "amount");
  private static final Set<String> RETURN_ITEM_FIELDS = Set.of("sku", "quantity");
  /** Each attempt lets at least one concurrent return through, so this covers a burst of as many returns. */
  private static final int MAX_RETURN_ATTEMPTS = 32;
  private static final String FIND_RETURN =
      "select request_hash, result from point_returns where tenant_id = $1 and return_id = $2";
  private static final String FIND_FOR_RETURN = """
      select t.total, t.items, t.returned_amount, t.returned_quantities, m.external_id
        from transactions t join members m on m.id = t.member_id
       where t.tenant_id = $1 and t.transaction_id = $2""";

  private final PointsEarner earner;
  private final LedgerRepository ledger;
  private final MemberLookup members;
  private final Pool primary;
  private final Clock clock;

  public PurchaseRoutes(PointsEarner earner, LedgerRepository ledger, MemberLookup members, Pool primary, Clock clock) {
    this.earner = earner;
    this.ledger = ledger;
    this.members = members;
    this.primary = primary;
    this.clock = clock;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.post("/v1/transactions").handler(auth.require(Scope.POS)).handler(this::purchase);
    router.post("/v1/transactions/:transactionId/returns").handler(auth.require(Scope.POS)).handler(this::giveBack);
    router.post("/v1/members/:externalId/events").handler(auth.require(Scope.POS)).handler(this::event);
  }

  private void purchase(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    JsonInput in = JsonInput.of(ctx);
    PurchaseJson.PurchaseRequest request = PurchaseJson.purchase(in, clock.instant());
    FraudContext fraud = FraudContextJson.parse(in, request.purchase().storeId());
    LedgerReplies.send(ctx, earner.earnPurchase(caller.tenantId(), request, fraud));
  }

  private void event(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String externalId = ctx.pathParam("externalId");
    CustomEvent event = PurchaseJson.event(JsonInput.of(ctx), clock.instant());
    LedgerReplies.send(ctx, earner.earnEvent(caller.tenantId(), externalId, event));
  }

  private void giveBack(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String transactionId = ctx.pathParam("transactionId");
    JsonInput in = JsonInput.of(ctx).allowOnly(RETURN_FIELDS);
    String returnId = MemberRules.externalId("returnId", in.requiredString("returnId", 1, 64));
    if (in.has("items") == in.has("amount")) {
      throw Rejection.invalid("items", "send either items or amount");
    }
    List<ReturnPlan.ReturnedItem> items = new ArrayList<>();
    if (in.has("items")) {
      for (JsonInput item : in.requiredObjectList("items", 1, 500)) {
        item.allowOnly(RETURN_ITEM_FIELDS);
        items.add(new ReturnPlan.ReturnedItem(item.requiredString("sku", 1, 64), item.requiredLong("quantity", 1, 1_000_000)));
      }
    }
    Long amount = in.has("amount") ? in.requiredLong("amount", 1, org.loyaltyengine.rules.Purchase.MAX_AMOUNT) : null;
    JsonObject canonical = new JsonObject().put("transactionId", transactionId)
        .put("items", new JsonArray(items.stream().map(i -> new JsonObject().put("sku", i.sku()).put("quantity", i.quantity())).toList()))
        .put("amount", amount);
    String hash = RequestHash.of(canonical);
    LedgerReplies.send(ctx, recordReturn(caller.tenantId(), transactionId, returnId, hash, items, amount, 1));
  }

  /** Plans the return on the purchase as it stands, then records it; a concurrent return makes it re-plan. */
  private Future<LedgerRepository.Outcome> recordReturn(UUID tenantId, String transactionId, String returnId, String hash,
                                                         List<ReturnPlan.ReturnedItem> items, Long amount, int attempt) {
    if (!MemberRules.isPlausibleExternalId(transactionId)) {
      return Future.failedFuture(transactionNotFound(transactionId));
    }
    // A replay is answered from the stored result before re-planning: after the first return was applied,
    // the same items would no longer fit in what is left of the purchase.
    return primary.preparedQuery(FIND_RETURN).execute(Tuple.of(tenantId, returnId)).compose(existing -> {
      if (existing.size() > 0) {
        Row r = existing.iterator().next();
        return LedgerReplies.checkReplay(new LedgerRepository.Outcome(false, r.getString("request_hash"),
            (JsonObject) r.getValue("result"), 0), hash, "returnId");
      }
      return planAndRecord(tenantId, transactionId, returnId, hash, items, amount);
    }).recover(err -> {
      if (!LedgerRepository.isState(err, LedgerRepository.RETURN_RACED)) {
        return Future.failedFuture(err);
      }
      if (attempt < MAX_RETURN_ATTEMPTS) {
        return recordReturn(tenantId, transactionId, returnId, hash, items, amount, attempt + 1);
      }
      // Still losing after every re-plan: nothing was written for this return; the client may simply retry it.
      return Future.failedFuture(Rejection.conflict("return_conflict", "other returns of purchase " + transactionId
          + " kept landing first; nothing was recorded for this return, retry it", "transactionId"));
    });
  }

  private Future<LedgerRepository.Outcome> planAndRecord(UUID tenantId, String transactionId, String returnId,
                                                          String hash, List<ReturnPlan.ReturnedItem> items, Long amount) {
    return primary.preparedQuery(FIND_FOR_RETURN).execute(Tuple.of(tenantId, transactionId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(transactionNotFound(transactionId));
      }
      Row t = rows.iterator().next();
      JsonArray lines = (JsonArray) t.getValue("items");
      JsonObject returnedJson = (JsonObject) t.getValue("returned_quantities");
      List<ReturnPlan.Line> purchaseLines = new ArrayList<>();
      List<Long> returnedBefore = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        JsonObject line = lines.getJsonObject(i);
        purchaseLines.add(new ReturnPlan.Line(line.getString("sku"), line.getLong("quantity"), line.getLong("amount")));
        returnedBefore.add(returnedJson.getLong(String.valueOf(i), 0L));
      }
      long returnedAmount = t.getLong("returned_amount");
      ReturnPlan plan = amount != null
          ? ReturnPlan.ofAmount(t.getLong("total"), returnedAmount, amount, returnedBefore)
          : ReturnPlan.ofItems(purchaseLines, returnedBefore, items);
      JsonObject returnedAfter = new JsonObject();
      for (int i = 0; i < plan.returnedPerLine().size(); i++) {
        if (plan.returnedPerLine().get(i) > 0) {
          returnedAfter.put(String.valueOf(i), plan.returnedPerLine().get(i));
        }
      }
      String externalId = t.getString("external_id");
      return ledger.recordReturn(tenantId, transactionId, returnId, hash, plan.amount(), returnedAfter.encode(), returnedAmount)
          .compose(o -> LedgerReplies.checkReplay(o, hash, "returnId"))
          // replays too: the first attempt's node may have died between its commit and its document (reads.md)
          .compose(o -> members.refresh(tenantId, externalId).map(o));
    });
  }

  private static Rejection transactionNotFound(String transactionId) {
    return Rejection.notFound("transaction_not_found", "no transaction \"" + transactionId + "\"");
  }
}
