package org.loyaltyengine.platform;

import org.loyaltyengine.fulfillment.PartnerCircuits;
import org.loyaltyengine.rules.RuleSetCache;
import org.loyaltyengine.tenant.ApiKeyCache;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tier.TierSetCache;

/**
 * What one node shares across its verticles: the caches of keys, tenant settings, compiled rules and tiers,
 * and the states of its partner circuits.
 */
public record NodeState(ApiKeyCache keys, TenantSettingsCache tenants, RuleSetCache rules, TierSetCache tiers,
                        PartnerCircuits circuits) {}
