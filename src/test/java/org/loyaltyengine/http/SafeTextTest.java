package org.loyaltyengine.http;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

@DisplayName("Text the engine accepts")
class SafeTextTest {

  @Test
  @DisplayName("a NUL or an unpaired surrogate makes a string unstorable; paired surrogates (emoji) are fine")
  void storableText() {
    assertEquals("a NUL character", SafeText.problem("a\u0000b"));
    assertEquals("an unpaired surrogate", SafeText.problem("x\ud800"));
    assertEquals("an unpaired surrogate", SafeText.problem("\udc00x"));
    assertNull(SafeText.problem("Zoë 😀 \n\t"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"%00", "a%", "%G1", "%1", "%FF", "%C3%28", "%ED%A0%80", "%C0%AF", "%0A", "%7F", "a\u0000", "\u00ff"})
  @DisplayName("in a URI: malformed %-encoding, bytes that are not UTF-8 and control characters are refused")
  void hostileUriParts(String raw) {
    assertNotNull(SafeText.uriProblem(raw, true), raw);
  }

  @ParameterizedTest
  @ValueSource(strings = {"member-1", "a+b", "Zo%C3%AB", "%F0%9F%98%80", "x%20y", ""})
  @DisplayName("in a URI: plain and properly encoded UTF-8 text passes")
  void ordinaryUriParts(String raw) {
    assertNull(SafeText.uriProblem(raw, true), raw);
  }

  @Test
  @DisplayName("a header value must be UTF-8 without control characters (tab allowed)")
  void headers() {
    assertNull(SafeText.headerProblem("Bearer lk_abc\tdef"));
    assertNull(SafeText.headerProblem("Zo\u00c3\u00ab")); // the UTF-8 bytes of "Zoë", as the decoder hands them over
    assertEquals("bytes that are not UTF-8", SafeText.headerProblem("\u00ff"));
    assertEquals("a control character", SafeText.headerProblem("a\u0001"));
  }
}
