package org.loyaltyengine.fraud;

/** A point on Earth in degrees, as a client sends it with a purchase. */
public record Location(double lat, double lon) {
  private static final double EARTH_RADIUS_KM = 6371.0088;

  public Location {
    if (!(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
      throw new IllegalArgumentException("latitude must be within ±90 and longitude within ±180");
    }
  }

  /** Great-circle distance (haversine), in kilometres. */
  public double distanceKm(Location other) {
    double dLat = Math.toRadians(other.lat - lat);
    double dLon = Math.toRadians(other.lon - lon);
    double a = Math.sin(dLat / 2) * Math.sin(dLat / 2)
        + Math.cos(Math.toRadians(lat)) * Math.cos(Math.toRadians(other.lat)) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
  }
}
