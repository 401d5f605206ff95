package org.loyaltyengine.seed;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.ConfigException;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("seed command arguments")
class SeedOptionsTest {

  @Test
  @DisplayName("tenant and target member count are required; the rest have defaults")
  void defaults() {
    SeedOptions o = SeedOptions.parse(new String[] {"--tenant", "demo", "--members", "500000"});
    assertEquals(new SeedOptions("demo", 500_000, 10, Optional.empty(), 42, 10_000), o);
    assertThrows(ConfigException.class, () -> SeedOptions.parse(new String[] {"--members", "5"}));
    assertThrows(ConfigException.class, () -> SeedOptions.parse(new String[] {"--tenant", "demo"}));
  }

  @Test
  @DisplayName("every option can be given, as '--name value' or '--name=value'")
  void allOptions() {
    SeedOptions o = SeedOptions.parse(new String[] {"--tenant=demo", "--members", "7", "--transactions-per-member=3",
        "--export", "gatling/data/members.csv", "--random-seed", "-5", "--chunk-members", "100"});
    assertEquals(new SeedOptions("demo", 7, 3, Optional.of(Path.of("gatling/data/members.csv")), -5, 100), o);
  }

  @Test
  @DisplayName("bad arguments fail with a one-line reason naming the argument")
  void badArguments() {
    assertMessage("--members must be an integer", "--tenant", "demo", "--members", "lots");
    assertMessage("--members must be between 0 and 9999999", "--tenant", "demo", "--members", "10000000");
    assertMessage("--transactions-per-member must be between", "--tenant", "demo", "--members", "1",
        "--transactions-per-member", "-1");
    assertMessage("unknown argument --member", "--tenant", "demo", "--member", "1");
    assertMessage("--export needs a value", "--tenant", "demo", "--members", "1", "--export");
  }

  private static void assertMessage(String expected, String... args) {
    ConfigException e = assertThrows(ConfigException.class, () -> SeedOptions.parse(args));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }
}
