package org.loyaltyengine.webhook;

import java.util.List;

/** The event types a webhook may subscribe to (every type the outbox carries), and the wildcard. */
public final class WebhookEventTypes {
  public static final String ALL = "*";
  public static final List<String> KNOWN = List.of(
      "member.enrolled", "member.updated",
      "points.earned", "points.returned", "points.adjusted", "points.released", "points.expired",
      "points.voided", // a held earning voided by a fraud reviewer (docs/fraud.md)
      "tier.changed",
      "redemption.created", "redemption.fulfilled", "redemption.failed");

  private WebhookEventTypes() {}

  public static boolean isKnown(String type) {
    return KNOWN.contains(type);
  }

  public static boolean matches(List<String> subscribed, String type) {
    return subscribed.contains(ALL) || subscribed.contains(type);
  }
}
