package org.loyaltyengine.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What text the engine accepts from a client, defined once: no NUL (PostgreSQL refuses it in text), no
 * unpaired UTF-16 surrogate (not encodable in UTF-8, refused by PostgreSQL), and, for the bytes of a URI or
 * a header, well-formed percent-encoding and valid UTF-8. Pure functions, no Vert.x types.
 */
public final class SafeText {
  private SafeText() {}

  /** Why {@code s} cannot be stored as text, or null when it can. */
  public static String problem(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return "a NUL character";
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return "an unpaired surrogate";
      }
      if (Character.isLowSurrogate(c)) {
        return "an unpaired surrogate";
      }
    }
    return null;
  }

  /**
   * Why one part of a request URI (path or a query's name or value, still percent-encoded) is unacceptable,
   * or null: malformed percent-encoding, bytes that are not UTF-8, or a control character once decoded.
   * {@code plusIsSpace} for query strings. Raw characters above U+00FF cannot arrive over HTTP/1.1; they are
   * taken as their UTF-8 bytes.
   */
  public static String uriProblem(String raw, boolean plusIsSpace) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length() || hex(raw.charAt(i + 1)) < 0 || hex(raw.charAt(i + 2)) < 0) {
          return "malformed percent-encoding";
        }
        bytes.write(hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2)));
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        bytes.write(' ');
      } else if (c <= 0xFF) {
        bytes.write(c); // the wire's bytes, as the HTTP/1.1 decoder hands them over (ISO-8859-1)
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    String decoded = utf8(bytes.toByteArray());
    if (decoded == null) {
      return "bytes that are not UTF-8";
    }
    return controlProblem(decoded);
  }

  /** A header value (ISO-8859-1 chars as received): no control characters, and its bytes valid UTF-8. */
  public static String headerProblem(String value) {
    byte[] bytes = new byte[value.length()];
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c > 0xFF) {
        return null; // not from the HTTP/1.1 wire (e.g. set by an in-process client); nothing to decode
      }
      bytes[i] = (byte) c;
    }
    String decoded = utf8(bytes);
    if (decoded == null) {
      return "bytes that are not UTF-8";
    }
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        return c == 0 ? "a NUL character" : "a control character";
      }
    }
    return null;
  }

  private static String controlProblem(String decoded) {
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        return c == 0 ? "a NUL character" : "a control character";
      }
    }
    return null;
  }

  /** Strict UTF-8 (no overlong forms, no encoded surrogates), or null. */
  static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
