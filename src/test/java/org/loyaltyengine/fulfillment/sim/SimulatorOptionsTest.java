package org.loyaltyengine.fulfillment.sim;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.ConfigException;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("partner-sim command arguments")
class SimulatorOptionsTest {

  @Test
  @DisplayName("with no arguments it listens on 127.0.0.1:9090 without failures or an API key")
  void defaults() {
    assertEquals(SimulatorOptions.defaults(), SimulatorOptions.parse(new String[0], Map.of()));
  }

  @Test
  @DisplayName("every option can be given, as '--name value' or '--name=value'")
  void allOptions() {
    SimulatorOptions o = SimulatorOptions.parse(new String[] {"--port", "9191", "--host=0.0.0.0",
        "--latency-ms", "50", "--latency-jitter-ms=10", "--error-rate", "0.1", "--permanent-error-rate", "0.02",
        "--timeout-rate", "0.05", "--api-key", "sim-secret-key", "--max-keys", "1000", "--max-codes", "5000",
        "--timeout-hold-ms", "2000", "--max-held-requests", "50", "--random-seed", "-9"}, Map.of());
    assertEquals(new SimulatorOptions("0.0.0.0", 9191, Optional.of("sim-secret-key"),
        SimSettings.defaults().withLatencyMs(50).withLatencyJitterMs(10).withErrorRate(0.1)
            .withPermanentErrorRate(0.02).withTimeoutRate(0.05),
        1000, 5000, 2000, 50, java.util.OptionalLong.of(-9)), o);
  }

  @Test
  @DisplayName("the API key can come from PARTNER_SIM_API_KEY, and the argument wins over it")
  void apiKeyFromEnvironment() {
    Map<String, String> env = Map.of(SimulatorOptions.API_KEY_ENV, "from-the-environment");
    assertEquals(Optional.of("from-the-environment"), SimulatorOptions.parse(new String[0], env).apiKey());
    assertEquals(Optional.of("from-the-arguments"),
        SimulatorOptions.parse(new String[] {"--api-key", "from-the-arguments"}, env).apiKey());
  }

  @Test
  @DisplayName("bad arguments fail with a one-line reason naming the argument")
  void badArguments() {
    assertMessage("--error-rate must be a number from 0 to 1", "--error-rate", "1.5");
    assertMessage("--timeout-rate must be a number", "--timeout-rate", "often");
    assertMessage("--port must be between 0 and 65535", "--port", "70000");
    assertMessage("--latency-ms must be between 0 and 60000", "--latency-ms", "-1");
    assertMessage("unknown argument --colour", "--colour", "blue");
    assertMessage("--port needs a value", "--port");
    assertMessage("--api-key must be 8-200 printable characters", "--api-key", "short");
  }

  private static void assertMessage(String expected, String... args) {
    ConfigException e = assertThrows(ConfigException.class, () -> SimulatorOptions.parse(args, Map.of()));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().startsWith("partner-sim: "), e.getMessage());
  }
}
