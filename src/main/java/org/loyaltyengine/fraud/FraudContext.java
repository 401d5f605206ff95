package org.loyaltyengine.fraud;

/**
 * What a client may tell about where a write comes from, for the location and device checks; every part is
 * optional. Not part of a request's fingerprint: it decides no points, only the review.
 */
public record FraudContext(String storeId, Location location, String deviceId, String ip) {
  public static FraudContext none() {
    return new FraudContext(null, null, null, null);
  }

  public boolean isEmpty() {
    return storeId == null && location == null && deviceId == null && ip == null;
  }
}
