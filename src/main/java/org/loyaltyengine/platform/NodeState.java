package org.loyaltyengine.platform;

import org.loyaltyengine.fulfillment.PartnerCircuits;
import org.loyaltyengine.ratelimit.LocalLimiter;
import org.loyaltyengine.rules.RuleSetCache;
import org.loyaltyengine.tenant.ApiKeyCache;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tier.TierSetCache;

/**
 * What one node shares across its verticles: the caches of keys, tenant settings, compiled rules and tiers,
 * the states of its partner circuits, its in-flight bound and its fallback rate limiter.
 */
public record NodeState(ApiKeyCache keys, TenantSettingsCache tenants, RuleSetCache rules, TierSetCache tiers,
                        PartnerCircuits circuits, Admission admission, LocalLimiter localLimits) {}
