package org.loyaltyengine.webhook;

import java.time.Instant;

/**
 * One line of a subscription's delivery log.
 *
 * @param nextAttemptAt when it is tried next; null once finished, and while it waits behind an earlier
 *                      delivery to the same member
 * @param payload       the body sent, as JSON text
 */
public record DeliveryLogEntry(long id, long eventId, String eventType, String status, int attempts,
                               Integer lastStatusCode, String lastError, Instant nextAttemptAt, Instant createdAt,
                               Instant firstAttemptAt, Instant lastAttemptAt, Instant deliveredAt, Instant failedAt,
                               String payload) {}
