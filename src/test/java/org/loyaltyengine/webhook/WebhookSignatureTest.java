package org.loyaltyengine.webhook;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Webhook signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t.body)>")
class WebhookSignatureTest {
  static final String SECRET = "whsec_test";
  static final String BODY = "{\"eventId\":1,\"type\":\"points.earned\"}";
  static final long T = 1_700_000_000L;

  @Test
  @DisplayName("matches an HMAC computed independently (openssl dgst -sha256 -hmac)")
  void knownVector() {
    assertEquals("t=1700000000,v1=9493368d7c76d0645aafc7883d09db73462a63a854416cce0e2e62bccf5574e9",
        WebhookSignature.header(SECRET, T, BODY));
  }

  @Test
  @DisplayName("a receiver accepts the signature of the exact body within the allowed clock skew")
  void verifies() {
    String header = WebhookSignature.header(SECRET, T, BODY);
    assertTrue(WebhookSignature.verify(SECRET, header, BODY, T + 299, 300));
    assertTrue(WebhookSignature.verify(SECRET, header, BODY, T - 299, 300));
  }

  @Test
  @DisplayName("a changed body, another secret or a changed timestamp does not verify")
  void rejectsTampering() {
    String header = WebhookSignature.header(SECRET, T, BODY);
    assertFalse(WebhookSignature.verify(SECRET, header, BODY.replace("1", "2"), T, 300));
    assertFalse(WebhookSignature.verify("whsec_other", header, BODY, T, 300));
    assertFalse(WebhookSignature.verify(SECRET, header.replace("t=1700000000", "t=1700000001"), BODY, T, 300));
  }

  @Test
  @DisplayName("a signature older than the allowed skew is refused: a captured request cannot be replayed later")
  void refusesStale() {
    String header = WebhookSignature.header(SECRET, T, BODY);
    assertFalse(WebhookSignature.verify(SECRET, header, BODY, T + 301, 300));
  }

  @Test
  @DisplayName("malformed or missing headers do not verify")
  void refusesMalformed() {
    assertFalse(WebhookSignature.verify(SECRET, null, BODY, T, 300));
    assertFalse(WebhookSignature.verify(SECRET, "", BODY, T, 300));
    assertFalse(WebhookSignature.verify(SECRET, "t=abc,v1=00", BODY, T, 300));
    assertFalse(WebhookSignature.verify(SECRET, "t=" + T, BODY, T, 300));
    assertFalse(WebhookSignature.verify(SECRET, "v1=" + WebhookSignature.hmacHex(SECRET, T + "." + BODY), BODY, T, 300));
  }

  @Test
  @DisplayName("non-ASCII bodies are signed as their UTF-8 bytes")
  void utf8() {
    String body = "{\"name\":\"Zażółć\"}";
    assertTrue(WebhookSignature.verify(SECRET, WebhookSignature.header(SECRET, T, body), body, T, 300));
  }
}
