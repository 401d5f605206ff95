package org.loyaltyengine.tenant;

import org.loyaltyengine.ratelimit.Quotas;

import java.util.Set;
import java.util.UUID;

/**
 * Who is calling: the tenant and scopes of the API key that authenticated the request, and the rate-limit
 * overrides of that key and tenant (loaded and cached with the key).
 */
public record Caller(UUID tenantId, UUID keyId, Set<Scope> scopes, Quotas quotas) {

  public Caller(UUID tenantId, UUID keyId, Set<Scope> scopes) {
    this(tenantId, keyId, scopes, Quotas.NONE);
  }

  /** True when the key holds one of {@code allowed}; admin keys may do everything for their tenant. */
  public boolean mayUse(Set<Scope> allowed) {
    if (scopes.contains(Scope.ADMIN)) {
      return true;
    }
    for (Scope s : scopes) {
      if (allowed.contains(s)) {
        return true;
      }
    }
    return false;
  }
}
