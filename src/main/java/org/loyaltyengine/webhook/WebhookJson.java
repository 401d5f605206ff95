package org.loyaltyengine.webhook;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** The API's JSON for webhooks and their delivery logs. */
public final class WebhookJson {
  private WebhookJson() {}

  public static JsonObject webhook(Webhook w) {
    return new JsonObject()
        .put("id", w.id().toString())
        .put("url", w.url())
        .put("eventTypes", new JsonArray(w.eventTypes()))
        .put("description", w.description())
        .put("active", w.active())
        .put("createdAt", text(w.createdAt()))
        .put("deletedAt", text(w.deletedAt()));
  }

  /** The creation reply: the only time the secret is shown. */
  public static JsonObject created(WebhookRepository.Created c) {
    return webhook(c.webhook()).put("secret", c.secret());
  }

  public static JsonObject delivery(DeliveryLogEntry d) {
    return new JsonObject()
        .put("deliveryId", d.id())
        .put("eventId", d.eventId())
        .put("eventType", d.eventType())
        .put("status", d.status())
        .put("attempts", d.attempts())
        .put("lastStatusCode", d.lastStatusCode())
        .put("lastError", d.lastError())
        .put("nextAttemptAt", text(d.nextAttemptAt()))
        .put("createdAt", text(d.createdAt()))
        .put("firstAttemptAt", text(d.firstAttemptAt()))
        .put("lastAttemptAt", text(d.lastAttemptAt()))
        .put("deliveredAt", text(d.deliveredAt()))
        .put("failedAt", text(d.failedAt()))
        .put("payload", new JsonObject(d.payload()));
  }

  public static JsonObject page(WebhookRepository.DeliveryPage page) {
    JsonArray items = new JsonArray();
    page.items().forEach(d -> items.add(delivery(d)));
    return org.loyaltyengine.http.Paging.page(items, page.next() == null ? null : page.next().encode());
  }

  private static String text(Instant t) {
    return org.loyaltyengine.platform.Timestamps.format(t);
  }
}
