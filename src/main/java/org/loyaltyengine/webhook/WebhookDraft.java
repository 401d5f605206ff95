package org.loyaltyengine.webhook;

import org.loyaltyengine.platform.Rejection;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A subscription as requested: validated here, so nothing reaches PostgreSQL that could not be called.
 *
 * @param url         http:// or https:// with a host; no user-info (it would be shown back in every GET)
 * @param eventTypes  known types without duplicates, or exactly {@code ["*"]}
 * @param description free text for the tenant's own bookkeeping, or null
 */
public record WebhookDraft(String url, List<String> eventTypes, String description) {
  public static final int MAX_URL_LENGTH = 2000;
  public static final int MAX_DESCRIPTION_LENGTH = 500;

  public WebhookDraft {
    checkUrl(url);
    eventTypes = checkTypes(eventTypes);
    if (description != null && description.length() > MAX_DESCRIPTION_LENGTH) {
      throw Rejection.invalid("description", "description must be at most " + MAX_DESCRIPTION_LENGTH + " characters");
    }
  }

  private static void checkUrl(String url) {
    if (url.length() > MAX_URL_LENGTH) {
      throw invalidUrl("url must be at most " + MAX_URL_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw invalidUrl("url is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw invalidUrl("url must be an http:// or https:// address");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw invalidUrl("url must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      throw invalidUrl("url must not carry credentials; verify deliveries by their signature instead");
    }
    if (uri.getRawFragment() != null) {
      throw invalidUrl("url must not have a #fragment");
    }
  }

  private static Rejection invalidUrl(String message) {
    return new Rejection(Rejection.Kind.INVALID, "invalid_url", message, "url");
  }

  private static List<String> checkTypes(List<String> types) {
    if (types.contains(WebhookEventTypes.ALL)) {
      if (types.size() > 1) {
        throw Rejection.invalid("eventTypes", "\"*\" (every type) must be the only entry of eventTypes");
      }
      return List.of(WebhookEventTypes.ALL);
    }
    List<String> out = new ArrayList<>(types.size());
    for (int i = 0; i < types.size(); i++) {
      String t = types.get(i);
      if (!WebhookEventTypes.isKnown(t)) {
        throw new Rejection(Rejection.Kind.INVALID, "unknown_event_type", "unknown event type \"" + t
            + "\"; expected \"*\" or one of " + String.join(", ", WebhookEventTypes.KNOWN), "eventTypes[" + i + "]");
      }
      if (out.contains(t)) {
        throw Rejection.invalid("eventTypes[" + i + "]", "event type \"" + t + "\" is listed twice");
      }
      out.add(t);
    }
    return List.copyOf(out);
  }
}
