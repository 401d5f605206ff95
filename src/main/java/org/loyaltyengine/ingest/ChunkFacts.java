package org.loyaltyengine.ingest;

import org.loyaltyengine.rules.CompiledRuleSet;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tier.TierSet;

import java.util.Map;

/**
 * Everything the evaluation of one tenant's chunk depends on, read just before it: the tenant's policies,
 * tiers and rules, the chunk's members, which of the chunk's transaction and event ids are already taken
 * (with the fingerprint they were taken with), and the cap and budget counters the chunk's rules consume.
 *
 * @param members           by external id; a member missing here does not exist
 * @param transactionHashes stored request hash by transaction id, for the chunk's ids that are taken
 * @param eventHashes       stored request hash by event id, likewise
 * @param usage             member id → rule id → window key → points already counted (absent = 0)
 * @param budgetsSpent      rule id → points spent from its program budget (absent = 0)
 */
public record ChunkFacts(TenantSettings tenant, TierSet tiers, CompiledRuleSet rules, Map<String, MemberState> members,
                         Map<String, String> transactionHashes, Map<String, String> eventHashes,
                         Map<Long, Map<String, Map<String, Long>>> usage, Map<String, Long> budgetsSpent) {}
