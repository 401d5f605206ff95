package org.loyaltyengine.capacity;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.http.HttpDsl.http;

/**
 * The run's parameters, from {@code -D} system properties (mvn passes them to the Gatling JVM):
 * <ul>
 *   <li>{@code baseUrls}: comma-separated engine URLs; virtual users are spread over them round-robin, so one
 *       simulation hits a single node or several ({@code baseUrl} is an alias). Default http://127.0.0.1:8080.
 *   <li>{@code apiKey}: the tenant's key, sent as {@code Authorization: Bearer} (a {@code pos} key covers every
 *       request of both simulations). Required.
 *   <li>{@code csv}: the seeder's member export ({@code externalId} header). Default data/members.csv.
 *   <li>{@code ramp}, {@code duration}: seconds of ramp-up and of steady load.
 *   <li>assertion thresholds, each with the simulation's target as default and {@code off} to drop it (smoke runs):
 *       {@code p90Ms}, {@code p99Ms}, {@code maxErrorPct}, {@code minRps}.
 * </ul>
 */
final class CapacitySettings {
  private CapacitySettings() {}

  static List<String> baseUrls() {
    String raw = System.getProperty("baseUrls", System.getProperty("baseUrl", "http://127.0.0.1:8080"));
    List<String> urls = new ArrayList<>();
    for (String url : raw.split(",")) {
      String trimmed = url.trim().replaceAll("/+$", "");
      if (!trimmed.isEmpty()) {
        if (!trimmed.startsWith("http://") && !trimmed.startsWith("https://")) {
          throw new IllegalArgumentException("-DbaseUrls: " + trimmed + " is not an http(s) URL");
        }
        urls.add(trimmed);
      }
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("-DbaseUrls names no URL");
    }
    return urls;
  }

  static String apiKey() {
    String key = System.getProperty("apiKey", "").trim();
    if (key.isEmpty()) {
      throw new IllegalArgumentException("-DapiKey is required: a key of the seeded tenant (the seeder prints ADMIN_KEY)");
    }
    return key;
  }

  /** Absolute, so Gatling reads it from the file system rather than looking for it on the class path. */
  static String membersCsv() {
    Path csv = Path.of(System.getProperty("csv", "data/members.csv")).toAbsolutePath().normalize();
    if (!Files.isReadable(csv)) {
      throw new IllegalArgumentException("-Dcsv: cannot read " + csv
          + " (write it with: java -jar target/loyalty-engine.jar seed ... --export " + csv + ")");
    }
    return csv.toString();
  }

  /** Ids of this run's writes start with it, so no run replays another's (a replay would be a 200, not a 201). */
  static String runId() {
    return System.getProperty("runId",
        LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")));
  }

  static int integer(String name, int defaultValue) {
    String raw = System.getProperty(name);
    if (raw == null || raw.isBlank()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw.trim().replace("_", ""));
      if (value < 0) {
        throw new IllegalArgumentException("-D" + name + " must not be negative (got " + raw + ")");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + name + " must be a whole number (got " + raw + ")");
    }
  }

  static double positive(String name, double defaultValue) {
    String raw = System.getProperty(name);
    double value = defaultValue;
    if (raw != null && !raw.isBlank()) {
      try {
        value = Double.parseDouble(raw.trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("-D" + name + " must be a number (got " + raw + ")");
      }
    }
    if (!(value > 0)) {
      throw new IllegalArgumentException("-D" + name + " must be above 0 (got " + value + ")");
    }
    return value;
  }

  static Duration seconds(String name, int defaultSeconds) {
    return Duration.ofSeconds(integer(name, defaultSeconds));
  }

  /** A threshold: the property's value, the default when absent, empty when the property is {@code off}. */
  static OptionalDouble threshold(String name, double defaultValue) {
    String raw = System.getProperty(name);
    return raw == null || raw.isBlank() ? OptionalDouble.of(defaultValue) : threshold(name);
  }

  /** A threshold that is no target by default: checked only when the property gives a value. */
  static OptionalDouble threshold(String name) {
    String raw = System.getProperty(name);
    if (raw == null || raw.isBlank()) {
      return OptionalDouble.empty();
    }
    if (raw.trim().toLowerCase(Locale.ROOT).equals("off")) {
      return OptionalDouble.empty();
    }
    try {
      return OptionalDouble.of(Double.parseDouble(raw.trim().replace("_", "")));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + name + " must be a number or off (got " + raw + ")");
    }
  }

  /**
   * Gatling's assertions over the whole run (ramp included): p90 and p99 response time, the share of failed
   * requests (any status other than the expected one, timeouts, connection errors) and the mean throughput.
   */
  static List<Assertion> assertions(OptionalDouble p90Ms, OptionalDouble p99Ms, OptionalDouble maxErrorPct,
                                    OptionalDouble minRps) {
    List<Assertion> out = new ArrayList<>();
    p90Ms.ifPresent(ms -> out.add(global().responseTime().percentile(90.0).lte((int) ms)));
    p99Ms.ifPresent(ms -> out.add(global().responseTime().percentile(99.0).lte((int) ms)));
    maxErrorPct.ifPresent(pct -> out.add(global().failedRequests().percent().lte(pct)));
    minRps.ifPresent(rps -> out.add(global().requestsPerSec().gte(rps)));
    return out;
  }

  /**
   * Mean requests per second Gatling will report for an open model that ramps linearly from 0 to {@code rate}
   * over {@code ramp} and then holds it for {@code duration}: the throughput assertion's reference.
   */
  static double meanOpenRate(double rate, Duration ramp, Duration duration) {
    double r = ramp.toMillis() / 1000.0;
    double d = duration.toMillis() / 1000.0;
    return rate * (r / 2 + d) / (r + d);
  }

  /**
   * JSON API over keep-alive connections. {@code shareConnections}: open-model users each send one request, and
   * should reuse a pool as real clients behind a gateway do rather than connect per request; closed-model users
   * loop on a connection of their own, like the 1,500 connections of the reference test.
   */
  static HttpProtocolBuilder protocol(List<String> baseUrls, String apiKey, boolean shareConnections) {
    HttpProtocolBuilder protocol = http.baseUrls(baseUrls)
        .acceptHeader("application/json")
        .header("Authorization", "Bearer " + apiKey)
        .userAgentHeader("loyalty-capacity")
        .disableCaching()
        .disableWarmUp();
    return shareConnections ? protocol.shareConnections() : protocol;
  }

  static String describe(String simulation, String... settings) {
    return simulation + ": " + String.join(", ", Arrays.asList(settings));
  }
}
