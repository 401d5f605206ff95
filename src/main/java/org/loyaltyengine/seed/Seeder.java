package org.loyaltyengine.seed;

public final class Seeder {
  public static void main(String[] args) {
    throw new UnsupportedOperationException("not yet");
  }
}
