package org.loyaltyengine.member;

import io.vertx.core.Future;
import org.loyaltyengine.platform.Rejection;

import java.util.UUID;

/** Read-through access to member snapshots: Redis first, PostgreSQL on a miss (or when Redis is down). */
public final class MemberLookup {
  private final MemberCache cache;
  private final MemberRepository members;

  public MemberLookup(MemberCache cache, MemberRepository members) {
    this.cache = cache;
    this.members = members;
  }

  public static Rejection notFound(String externalId) {
    return Rejection.notFound("member_not_found", "no member with externalId \"" + externalId + "\"");
  }

  /** Fails with {@code member_not_found} for a missing member, or a member of another tenant. */
  public Future<MemberSnapshot> find(UUID tenantId, String externalId) {
    if (!MemberRules.isPlausibleExternalId(externalId)) {
      return Future.failedFuture(notFound(externalId)); // no such member can exist; spare the database
    }
    return cache.get(tenantId, externalId).compose(cached -> {
      if (cached.isPresent()) {
        return Future.succeededFuture(cached.get());
      }
      return members.find(tenantId, externalId).compose(found -> {
        if (found.isEmpty()) {
          return Future.failedFuture(notFound(externalId));
        }
        cache.put(tenantId, found.get()); // not awaited: the reply need not wait for the cache fill
        return Future.succeededFuture(found.get());
      });
    });
  }
}
