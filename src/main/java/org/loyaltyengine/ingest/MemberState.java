package org.loyaltyengine.ingest;

import java.util.Map;

/**
 * What evaluating a member's items needs to know about the member, read once per chunk.
 *
 * @param qualifyingPoints the points that count towards tiers (lifetime, or the tier window's), before the chunk
 */
public record MemberState(long memberId, String externalId, boolean active, String tierCode,
                          Map<String, String> attributes, long qualifyingPoints) {
  public MemberState {
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }
}
