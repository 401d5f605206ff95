package org.loyaltyengine.webhook;

import java.security.SecureRandom;
import java.util.Base64;

/** A subscription's signing secret: 256 random bits, recognisable by its prefix. */
public final class SigningSecret {
  private static final SecureRandom RANDOM = new SecureRandom();
  public static final String PREFIX = "whsec_";

  private SigningSecret() {}

  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
