package org.loyaltyengine.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A stored subscription. The secret travels only in the reply that created it. */
public record Webhook(UUID id, String url, List<String> eventTypes, String description, boolean active,
                      Instant createdAt, Instant deletedAt) {}
