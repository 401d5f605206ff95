package org.loyaltyengine.fulfillment.sim;

import java.util.random.RandomGenerator;

/**
 * Gift-card codes: "GC-" and 16 Crockford base32 characters (80 random bits; no I, L, O or U to misread).
 * Uniqueness is the registry's job: it checks every code against those already issued.
 */
public final class CodeGenerator {
  public static final String PREFIX = "GC-";
  public static final int LENGTH = 16;
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

  private final RandomGenerator random;

  public CodeGenerator(RandomGenerator random) {
    this.random = random;
  }

  public String next() {
    char[] code = new char[PREFIX.length() + LENGTH];
    PREFIX.getChars(0, PREFIX.length(), code, 0);
    long bits = random.nextLong(); // 12 characters use 60 of its bits
    for (int i = 0; i < LENGTH; i++) {
      if (i == 12) {
        bits = random.nextLong(); // the last 4 characters
      }
      code[PREFIX.length() + i] = ALPHABET[(int) (bits & 31)];
      bits >>>= 5;
    }
    return new String(code);
  }
}
