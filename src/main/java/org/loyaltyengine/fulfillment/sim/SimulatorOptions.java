package org.loyaltyengine.fulfillment.sim;

import org.loyaltyengine.platform.CommandLineOptions;
import org.loyaltyengine.platform.ConfigException;
import org.loyaltyengine.platform.Rejection;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * How to start a partner simulator. Everything except host, port and API key can be changed later at run
 * time ({@code settings}, via {@link SimControls} or {@code PUT /control}); the bounds cannot.
 *
 * @param port            0 picks a free port (see {@code PartnerSimulator.port()})
 * @param apiKey          when present, gift-card calls and /stats need {@code Authorization: Bearer <key>}
 * @param maxKeys         idempotency keys remembered at most (issued and rejected); beyond, 507
 * @param maxCodes        codes issued at most; beyond, 507
 * @param timeoutHoldMs   how long a call with a "lost" response is held open before its connection is closed
 * @param maxHeldRequests calls held open at most; beyond, the connection is closed at once (still no answer)
 * @param randomSeed      makes failures and codes reproducible; empty draws a fresh seed
 */
public record SimulatorOptions(String host, int port, Optional<String> apiKey, SimSettings settings, int maxKeys,
                               long maxCodes, long timeoutHoldMs, int maxHeldRequests, OptionalLong randomSeed) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 9090;
  public static final int DEFAULT_MAX_KEYS = 2_000_000;
  public static final long DEFAULT_MAX_CODES = 2_000_000;
  public static final long DEFAULT_TIMEOUT_HOLD_MS = 30_000;
  public static final int DEFAULT_MAX_HELD_REQUESTS = 10_000;
  public static final String API_KEY_ENV = "PARTNER_SIM_API_KEY";
  static final int MAX_KEYS_LIMIT = 20_000_000;
  static final long MAX_CODES_LIMIT = 50_000_000;
  static final long MAX_TIMEOUT_HOLD_MS = 300_000;
  static final int MAX_HELD_REQUESTS_LIMIT = 100_000;
  private static final Pattern API_KEY = Pattern.compile("[\\x21-\\x7e]{8,200}");

  public SimulatorOptions {
    if (host == null || host.isBlank() || host.length() > 253) {
      throw new ConfigException("partner-sim: --host must be a host name or address");
    }
    if (port < 0 || port > 65_535) {
      throw new ConfigException("partner-sim: --port must be between 0 and 65535 (got " + port + ")");
    }
    if (apiKey == null) {
      apiKey = Optional.empty();
    }
    if (apiKey.isPresent() && !API_KEY.matcher(apiKey.get()).matches()) {
      throw new ConfigException("partner-sim: --api-key must be 8-200 printable characters without spaces");
    }
    if (settings == null) {
      throw new ConfigException("partner-sim: settings are required");
    }
    if (maxKeys < 1 || maxKeys > MAX_KEYS_LIMIT) {
      throw new ConfigException("partner-sim: --max-keys must be between 1 and " + MAX_KEYS_LIMIT);
    }
    if (maxCodes < 1 || maxCodes > MAX_CODES_LIMIT) {
      throw new ConfigException("partner-sim: --max-codes must be between 1 and " + MAX_CODES_LIMIT);
    }
    if (timeoutHoldMs < 1 || timeoutHoldMs > MAX_TIMEOUT_HOLD_MS) {
      throw new ConfigException("partner-sim: --timeout-hold-ms must be between 1 and " + MAX_TIMEOUT_HOLD_MS);
    }
    if (maxHeldRequests < 1 || maxHeldRequests > MAX_HELD_REQUESTS_LIMIT) {
      throw new ConfigException("partner-sim: --max-held-requests must be between 1 and " + MAX_HELD_REQUESTS_LIMIT);
    }
    if (randomSeed == null) {
      randomSeed = OptionalLong.empty();
    }
  }

  /** 127.0.0.1:9090, no API key, no latency or failures, the default bounds. */
  public static SimulatorOptions defaults() {
    return new SimulatorOptions(DEFAULT_HOST, DEFAULT_PORT, Optional.empty(), SimSettings.defaults(),
        DEFAULT_MAX_KEYS, DEFAULT_MAX_CODES, DEFAULT_TIMEOUT_HOLD_MS, DEFAULT_MAX_HELD_REQUESTS, OptionalLong.empty());
  }

  /** For tests: the defaults on a free port. */
  public static SimulatorOptions onFreePort() {
    return defaults().withPort(0);
  }

  public SimulatorOptions withHost(String h) {
    return new SimulatorOptions(h, port, apiKey, settings, maxKeys, maxCodes, timeoutHoldMs, maxHeldRequests, randomSeed);
  }

  public SimulatorOptions withPort(int p) {
    return new SimulatorOptions(host, p, apiKey, settings, maxKeys, maxCodes, timeoutHoldMs, maxHeldRequests, randomSeed);
  }

  public SimulatorOptions withApiKey(String key) {
    return new SimulatorOptions(host, port, Optional.of(key), settings, maxKeys, maxCodes, timeoutHoldMs, maxHeldRequests, randomSeed);
  }

  public SimulatorOptions withSettings(SimSettings s) {
    return new SimulatorOptions(host, port, apiKey, s, maxKeys, maxCodes, timeoutHoldMs, maxHeldRequests, randomSeed);
  }

  public SimulatorOptions withMaxKeys(int n) {
    return new SimulatorOptions(host, port, apiKey, settings, n, maxCodes, timeoutHoldMs, maxHeldRequests, randomSeed);
  }

  public SimulatorOptions withMaxCodes(long n) {
    return new SimulatorOptions(host, port, apiKey, settings, maxKeys, n, timeoutHoldMs, maxHeldRequests, randomSeed);
  }

  public SimulatorOptions withTimeoutHoldMs(long ms) {
    return new SimulatorOptions(host, port, apiKey, settings, maxKeys, maxCodes, ms, maxHeldRequests, randomSeed);
  }

  public SimulatorOptions withMaxHeldRequests(int n) {
    return new SimulatorOptions(host, port, apiKey, settings, maxKeys, maxCodes, timeoutHoldMs, n, randomSeed);
  }

  public SimulatorOptions withRandomSeed(long seed) {
    return new SimulatorOptions(host, port, apiKey, settings, maxKeys, maxCodes, timeoutHoldMs, maxHeldRequests, OptionalLong.of(seed));
  }

  /**
   * {@code [--host H] [--port P] [--latency-ms MS] [--latency-jitter-ms MS] [--error-rate R]
   * [--permanent-error-rate R] [--timeout-rate R] [--api-key KEY] [--max-keys N] [--max-codes N]
   * [--timeout-hold-ms MS] [--max-held-requests N] [--random-seed S]}; {@code --name=value} works too. Without
   * {@code --api-key}, the key is read from {@value #API_KEY_ENV} if set (keeps it out of {@code ps}).
   */
  public static SimulatorOptions parse(String[] args, Map<String, String> env) {
    SimulatorOptions o = defaults();
    SimSettings s = o.settings();
    String envKey = env.get(API_KEY_ENV);
    if (envKey != null && !envKey.isEmpty()) {
      o = o.withApiKey(envKey);
    }
    try {
      for (CommandLineOptions.Option option : CommandLineOptions.parse("partner-sim", args)) {
        String name = option.name();
        String value = option.value();
        switch (name) {
          case "--host" -> o = o.withHost(value);
          case "--port" -> o = o.withPort((int) integer(name, value, 0, 65_535));
          case "--latency-ms" -> s = s.withLatencyMs(integer(name, value, 0, SimSettings.MAX_LATENCY_MS));
          case "--latency-jitter-ms" -> s = s.withLatencyJitterMs(integer(name, value, 0, SimSettings.MAX_LATENCY_MS));
          case "--error-rate" -> s = s.withErrorRate(rate(name, value));
          case "--permanent-error-rate" -> s = s.withPermanentErrorRate(rate(name, value));
          case "--timeout-rate" -> s = s.withTimeoutRate(rate(name, value));
          case "--api-key" -> o = o.withApiKey(value);
          case "--max-keys" -> o = o.withMaxKeys((int) integer(name, value, 1, MAX_KEYS_LIMIT));
          case "--max-codes" -> o = o.withMaxCodes(integer(name, value, 1, MAX_CODES_LIMIT));
          case "--timeout-hold-ms" -> o = o.withTimeoutHoldMs(integer(name, value, 1, MAX_TIMEOUT_HOLD_MS));
          case "--max-held-requests" -> o = o.withMaxHeldRequests((int) integer(name, value, 1, MAX_HELD_REQUESTS_LIMIT));
          case "--random-seed" -> o = o.withRandomSeed(integer(name, value, Long.MIN_VALUE, Long.MAX_VALUE));
          default -> throw new ConfigException("partner-sim: unknown argument " + name + " (expected --host, --port, "
              + "--latency-ms, --latency-jitter-ms, --error-rate, --permanent-error-rate, --timeout-rate, --api-key, "
              + "--max-keys, --max-codes, --timeout-hold-ms, --max-held-requests, --random-seed)");
        }
      }
    } catch (Rejection e) {
      throw new ConfigException("partner-sim: " + e.getMessage());
    }
    return o.withSettings(s);
  }

  private static long integer(String name, String value, long min, long max) {
    long n;
    try {
      n = Long.parseLong(value.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ConfigException("partner-sim: " + name + " must be an integer (got \"" + value + "\")");
    }
    if (n < min || n > max) {
      throw new ConfigException("partner-sim: " + name + " must be between " + min + " and " + max + " (got " + n + ")");
    }
    return n;
  }

  private static double rate(String name, String value) {
    double r;
    try {
      r = Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException("partner-sim: " + name + " must be a number (got \"" + value + "\")");
    }
    if (!(r >= 0 && r <= 1)) {
      throw new ConfigException("partner-sim: " + name + " must be a number from 0 to 1 (got " + value + ")");
    }
    return r;
  }
}
