package org.loyaltyengine.platform;

import org.loyaltyengine.fraud.FraudPolicyCache;
import org.loyaltyengine.fraud.FraudRates;
import org.loyaltyengine.fulfillment.PartnerCircuits;
import org.loyaltyengine.ratelimit.LocalLimiter;
import org.loyaltyengine.rules.RuleSetCache;
import org.loyaltyengine.tenant.ApiKeyCache;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tier.TierSetCache;

/**
 * What one node shares across its verticles: the caches of keys, tenant settings, compiled rules and tiers,
 * the states of its partner circuits, its in-flight bound, its fallback rate limiter, the tenants' fraud policies
 * and the anomaly rates.
 */
public record NodeState(ApiKeyCache keys, TenantSettingsCache tenants, RuleSetCache rules, TierSetCache tiers,
                        PartnerCircuits circuits, Admission admission, LocalLimiter localLimits,
                        FraudPolicyCache fraudPolicies, FraudRates fraudRates) {}
