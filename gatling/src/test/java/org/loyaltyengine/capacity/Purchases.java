package org.loyaltyengine.capacity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request bodies of the write mix. The baskets come from the one basket generator of the project
 * (org.loyaltyengine.seed.Baskets, which the seeder and scripts/bench.sh use too), through the file it writes:
 * {@code java -cp target/loyalty-engine.jar org.loyaltyengine.seed.Baskets 10000 5 42 > data/baskets.txt}
 * (scripts/capacity.sh does it), one basket's {@code "total":…,"channel":…,"items":[…]} per line, passed as
 * {@code -Dbaskets=FILE}. A purchase takes a random basket, a new {@code transactionId} and an occurredAt up to 7
 * days back.
 */
final class Purchases {
  private static final long SPREAD_SECONDS = 7 * 86_400;
  private static final List<String> BASKETS = load();

  private Purchases() {}

  private static List<String> load() {
    Path file = Path.of(System.getProperty("baskets", "data/baskets.txt")).toAbsolutePath().normalize();
    try {
      List<String> lines = Files.readAllLines(file).stream().filter(line -> !line.isBlank()).toList();
      if (lines.isEmpty()) {
        throw new IllegalArgumentException("-Dbaskets: " + file + " holds no basket");
      }
      return lines;
    } catch (IOException e) {
      throw new IllegalArgumentException("-Dbaskets: cannot read " + file + " (write it with: java -cp "
          + "target/loyalty-engine.jar org.loyaltyengine.seed.Baskets 10000 5 42 > " + file + ")", e);
    }
  }

  static String purchase(String transactionId, String memberExternalId) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    Instant occurredAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(random.nextLong(SPREAD_SECONDS + 1));
    return "{\"transactionId\":\"" + transactionId + "\",\"memberExternalId\":\"" + json(memberExternalId)
        + "\",\"occurredAt\":\"" + occurredAt + "\",\"currency\":\"EUR\","
        + BASKETS.get(random.nextInt(BASKETS.size())) + "}";
  }

  static String redemption(String redemptionId, String memberExternalId, String rewardId) {
    return "{\"redemptionId\":\"" + redemptionId + "\",\"memberExternalId\":\"" + json(memberExternalId)
        + "\",\"rewardId\":\"" + json(rewardId) + "\",\"quantity\":1}";
  }

  /** Seeded ids need no escaping; ids created through the API may hold a quote or a backslash. */
  private static String json(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
