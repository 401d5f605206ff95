package org.loyaltyengine.fraud;

import io.vertx.core.json.JsonObject;
import org.loyaltyengine.http.JsonInput;
import org.loyaltyengine.platform.Rejection;

import java.util.Set;

/**
 * The optional request fields the fraud checks read: {@code "location": {"lat", "lon"}} (purchases),
 * {@code "deviceId"} and {@code "ip"} (purchases and redemptions). They are not part of the request's
 * fingerprint: they change no points, only what the checks see.
 */
public final class FraudContextJson {
  public static final Set<String> PURCHASE_FIELDS = Set.of("location", "deviceId", "ip");
  public static final Set<String> REDEMPTION_FIELDS = Set.of("deviceId", "ip");
  private static final Set<String> LOCATION_FIELDS = Set.of("lat", "lon");

  private FraudContextJson() {}

  public static FraudContext parse(JsonInput in, String storeId) {
    Location location = in.optionalObject("location").map(FraudContextJson::location).orElse(null);
    String deviceId = in.optionalString("deviceId", 1, 128).orElse(null);
    String ip = in.optionalString("ip", 2, 45).orElse(null);
    if (ip != null && !ip.matches("[0-9A-Fa-f:.]+")) {
      throw Rejection.invalid("ip", "ip must be an IPv4 or IPv6 address");
    }
    return new FraudContext(storeId, location, deviceId, ip);
  }

  private static Location location(JsonInput in) {
    in.allowOnly(LOCATION_FIELDS);
    double lat = degrees(in.raw(), "lat", 90);
    double lon = degrees(in.raw(), "lon", 180);
    return new Location(lat, lon);
  }

  private static double degrees(JsonObject o, String key, double bound) {
    String field = "location." + key;
    Object v = o.getValue(key);
    if (v == null) {
      throw Rejection.missing(field);
    }
    if (!(v instanceof Number n) || !(Math.abs(n.doubleValue()) <= bound)) {
      throw Rejection.invalid(field, field + " must be a number of degrees within ±" + (int) bound);
    }
    return n.doubleValue();
  }
}
