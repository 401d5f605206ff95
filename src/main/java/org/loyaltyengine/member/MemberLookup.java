package org.loyaltyengine.member;

import io.vertx.core.Future;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.tier.TierLookup;

import java.util.UUID;

/**
 * Read-through access to members: Redis first, PostgreSQL on a miss (or when Redis is down), rendered with
 * the tenant's active tier set and stored back for the next read.
 */
public final class MemberLookup {
  private final MemberCache cache;
  private final MemberRepository members;
  private final TierLookup tiers;

  public MemberLookup(MemberCache cache, MemberRepository members, TierLookup tiers) {
    this.cache = cache;
    this.members = members;
    this.tiers = tiers;
  }

  public static Rejection notFound(String externalId) {
    return Rejection.notFound("member_not_found", "no member with externalId \"" + externalId + "\"");
  }

  /** The member's rendered status and profile. Fails with {@code member_not_found} (also for other tenants). */
  public Future<CachedMember> view(UUID tenantId, String externalId) {
    if (!MemberRules.isPlausibleExternalId(externalId)) {
      return Future.failedFuture(notFound(externalId)); // no such member can exist; spare the database
    }
    return tiers.activeVersioned(tenantId).compose(active -> cache.get(tenantId, externalId).compose(cached -> {
      if (cached.isPresent() && cached.get().tiersVersion() == active.version()) {
        return Future.succeededFuture(cached.get());
      }
      return members.find(tenantId, externalId, active.set().windowDays()).compose(found -> {
        if (found.isEmpty()) {
          return Future.failedFuture(notFound(externalId));
        }
        CachedMember rendered = MemberJson.cached(found.get(), active.set(), active.version());
        cache.put(tenantId, externalId, rendered); // not awaited: the reply need not wait for the cache fill
        return Future.succeededFuture(rendered);
      });
    }));
  }

  /** The member's snapshot, for writes that decide on it (status, tier, attributes, balance). */
  public Future<MemberSnapshot> find(UUID tenantId, String externalId) {
    return view(tenantId, externalId).map(MemberJson::fromProfile);
  }
}
