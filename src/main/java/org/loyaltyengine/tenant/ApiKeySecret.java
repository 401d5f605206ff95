package org.loyaltyengine.tenant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A freshly generated API key. Only {@link #hash} is stored; the key itself is shown once. Keys carry 256
 * random bits, so a plain SHA-256 (not a slow password hash) is the right cost: nothing is guessable.
 */
public record ApiKeySecret(String key, String hash, String prefix) {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String KEY_PREFIX = "lk_";

  public static ApiKeySecret generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String key = KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    return new ApiKeySecret(key, hash(key), key.substring(0, 10));
  }

  /** One digest per thread: every API request hashes its key, and looking the algorithm up costs more than hashing. */
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JVM", e);
    }
  });
  private static final HexFormat HEX = HexFormat.of();

  public static String hash(String key) {
    return HEX.formatHex(SHA_256.get().digest(key.getBytes(StandardCharsets.UTF_8))); // digest() also resets it
  }

  /** Constant-time comparison for shared secrets such as the operator token. */
  public static boolean sameSecret(String expected, String presented) {
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }
}
