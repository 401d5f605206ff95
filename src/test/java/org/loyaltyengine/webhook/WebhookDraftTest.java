package org.loyaltyengine.webhook;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.loyaltyengine.platform.Rejection;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("Webhook subscription validation")
class WebhookDraftTest {

  @ParameterizedTest
  @ValueSource(strings = {"http://example.com/hooks", "https://example.com:8443/a/b?c=d", "HTTPS://EXAMPLE.COM"})
  @DisplayName("http and https URLs with a host are accepted")
  void acceptsHttpUrls(String url) {
    assertEquals(url, new WebhookDraft(url, List.of("points.earned"), null).url());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://example.com", "example.com/hook", "http://", "http:///path", "javascript:alert(1)",
      "https://user:pass@example.com/", "https://example.com/#frag", "http://exa mple.com"})
  @DisplayName("anything but an http(s) URL with a host is refused with invalid_url on field url")
  void refusesOtherUrls(String url) {
    Rejection r = assertThrows(Rejection.class, () -> new WebhookDraft(url, List.of("*"), null));
    assertEquals("invalid_url", r.code());
    assertEquals("url", r.field());
  }

  @Test
  @DisplayName("an unknown event type is refused naming its position")
  void unknownType() {
    Rejection r = assertThrows(Rejection.class,
        () -> new WebhookDraft("https://example.com", List.of("points.earned", "points.stolen"), null));
    assertEquals("unknown_event_type", r.code());
    assertEquals("eventTypes[1]", r.field());
  }

  @Test
  @DisplayName("\"*\" must stand alone, and a type may not be listed twice")
  void wildcardAloneNoDuplicates() {
    assertEquals("eventTypes", assertThrows(Rejection.class,
        () -> new WebhookDraft("https://example.com", List.of("*", "tier.changed"), null)).field());
    assertEquals("eventTypes[1]", assertThrows(Rejection.class,
        () -> new WebhookDraft("https://example.com", List.of("tier.changed", "tier.changed"), null)).field());
  }

  @Test
  @DisplayName("the wildcard matches every type; a list matches only its own")
  void matching() {
    assertEquals(true, WebhookEventTypes.matches(List.of("*"), "redemption.failed"));
    assertEquals(true, WebhookEventTypes.matches(List.of("points.earned"), "points.earned"));
    assertEquals(false, WebhookEventTypes.matches(List.of("points.earned"), "points.expired"));
  }
}
