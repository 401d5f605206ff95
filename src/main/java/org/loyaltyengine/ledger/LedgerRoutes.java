package org.loyaltyengine.ledger;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.http.Paging;
import org.loyaltyengine.http.RequestHash;
import org.loyaltyengine.http.Responses;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tenant.ApiKeyAuthenticator;
import org.loyaltyengine.tenant.Caller;
import org.loyaltyengine.tenant.Scope;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tenant.TenantSettingsRepository;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Set;

/** A member's ledger (read) and administrators' point adjustments (admin). */
public final class LedgerRoutes {
  private static final Set<String> ADJUSTMENT_FIELDS = Set.of("adjustmentId", "points", "reason");
  private static final long MAX_ADJUSTMENT = 100_000_000L;

  private final LedgerRepository ledger;
  private final MemberLookup members;
  private final TenantSettingsCache settingsCache;
  private final TenantSettingsRepository settings;
  private final Clock clock;

  public LedgerRoutes(LedgerRepository ledger, MemberLookup members,
                      TenantSettingsCache settingsCache, TenantSettingsRepository settings, Clock clock) {
    this.ledger = ledger;
    this.members = members;
    this.settingsCache = settingsCache;
    this.settings = settings;
    this.clock = clock;
  }

  public void mount(Router router, ApiKeyAuthenticator auth) {
    router.get("/v1/members/:externalId/ledger").handler(auth.require(Scope.READ, Scope.POS)).handler(this::list);
    router.post("/v1/members/:externalId/adjustments").handler(auth.require(Scope.ADMIN)).handler(this::adjust);
  }

  private void list(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    int limit = Paging.limit(ctx.queryParams().get("limit"));
    long before = decodeCursor(ctx.queryParams().get("cursor"));
    Responses.reply(ctx, 200, members.find(caller.tenantId(), ctx.pathParam("externalId"))
        .compose(m -> ledger.page(caller.tenantId(), m.memberId(), before, limit + 1))
        .map(items -> {
          String next = null;
          if (items.size() > limit) {
            items.remove(limit);
            next = encodeCursor(items.getJsonObject(limit - 1).getLong("entryId"));
          }
          return Paging.page(items, next);
        }));
  }

  private void adjust(RoutingContext ctx) {
    Caller caller = ApiKeyAuthenticator.caller(ctx);
    String externalId = ctx.pathParam("externalId");
    JsonInput in = JsonInput.of(ctx).allowOnly(ADJUSTMENT_FIELDS);
    String adjustmentId = in.requiredString("adjustmentId", 1, 64);
    long points = in.requiredLong("points", -MAX_ADJUSTMENT, MAX_ADJUSTMENT);
    if (points == 0) {
      throw Rejection.invalid("points", "points must not be 0");
    }
    String reason = in.requiredString("reason", 1, 500);
    String hash = RequestHash.of(new JsonObject().put("member", externalId).put("points", points).put("reason", reason));
    Future<LedgerRepository.Outcome> outcome = members.find(caller.tenantId(), externalId)
        .compose(m -> settingsCache.get(caller.tenantId(), settings::find)
            .compose((TenantSettings s) -> ledger.adjust(caller.tenantId(), m.memberId(), adjustmentId, hash, points,
                reason, s.expiry().expiresAt(clock.instant(), s.zone()))))
        .compose(o -> LedgerReplies.checkReplay(o, hash, "adjustmentId"))
        // replays too: the first attempt's node may have died between its commit and its document (reads.md)
        // an adjustment changes no transaction: the document keeps its history when it is current
        .compose(o -> members.refreshKeepingHistory(caller.tenantId(), externalId).map(o));
    LedgerReplies.send(ctx, outcome);
  }

  static String encodeCursor(long entryId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("e" + entryId).getBytes(StandardCharsets.US_ASCII));
  }

  static long decodeCursor(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return Long.MAX_VALUE;
    }
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
      if (raw.startsWith("e")) {
        return Long.parseLong(raw.substring(1));
      }
    } catch (IllegalArgumentException ignored) {
      // falls through to the rejection
    }
    throw new Rejection(Rejection.Kind.INVALID, "invalid_cursor", "cursor is not one this API returned", "cursor");
  }
}
