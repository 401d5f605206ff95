package org.loyaltyengine.platform;

import org.loyaltyengine.rules.RuleSetCache;
import org.loyaltyengine.tenant.ApiKeyCache;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tier.TierSetCache;

/** The caches one node shares across its verticles: keys, tenant settings, compiled rules and tiers. */
public record NodeCaches(ApiKeyCache keys, TenantSettingsCache tenants, RuleSetCache rules, TierSetCache tiers) {}
