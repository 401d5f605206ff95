package org.loyaltyengine.rules;

import java.time.ZoneId;
import java.util.UUID;

/**
 * What the rules worker is asked: evaluate {@code purchase} or {@code event} for a member under the tenant's
 * active rule set ({@code rulesVersion}) or under {@code proposed} (a simulation of an unsaved set).
 *
 * @param memberId the member whose cap usage to read, or null for a simulation without one
 */
public record EvaluationRequest(UUID tenantId, int rulesVersion, RuleSet proposed, ZoneId zone, Long memberId,
                                MemberFacts member, Purchase purchase, CustomEvent event) {}
