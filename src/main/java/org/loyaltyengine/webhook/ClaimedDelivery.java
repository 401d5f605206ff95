package org.loyaltyengine.webhook;

import java.time.Instant;
import java.util.UUID;

/**
 * A delivery leased by this worker, with what it takes to send it: the subscription's URL and secret, and
 * whether the subscription is still active.
 *
 * @param attempts       requests made before this one
 * @param firstAttemptAt null before the first request
 */
public record ClaimedDelivery(long id, UUID subscriptionId, long eventId, String eventType, String payload, int attempts,
                             Instant firstAttemptAt, String url, String secret, boolean active) {}
