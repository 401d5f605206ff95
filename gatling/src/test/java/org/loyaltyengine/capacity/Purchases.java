package org.loyaltyengine.capacity;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request bodies of the write mix, drawn like scripts/bench-earn.lua and OpenLoopPosts (and the seeder), so the
 * earn path sees the workload of docs/benchmarks.md: 5 lines of sku SKU-100..SKU-999 with the seeder's category
 * for the sku, quantity 1-3, unit price 1.99-99.99 EUR; total = the sum of the lines; occurredAt up to 7 days
 * back; three in four purchases in store-1..store-50, the rest online.
 */
final class Purchases {
  private static final String[] CATEGORIES =
      {"grocery", "beverages", "household", "personal-care", "electronics", "clothing"};
  private static final long SPREAD_SECONDS = 7 * 86_400;
  static final int LINES = 5;

  private Purchases() {}

  static String purchase(String transactionId, String memberExternalId) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder items = new StringBuilder(LINES * 80);
    long total = 0;
    for (int i = 0; i < LINES; i++) {
      int sku = 100 + random.nextInt(900);
      int quantity = 1 + random.nextInt(3);
      long amount = (long) quantity * (199 + random.nextInt(9999 - 199 + 1));
      total += amount;
      if (i > 0) {
        items.append(',');
      }
      items.append("{\"sku\":\"SKU-").append(sku).append("\",\"category\":\"").append(CATEGORIES[sku % 6])
          .append("\",\"quantity\":").append(quantity).append(",\"amount\":").append(amount).append('}');
    }
    String where = random.nextInt(4) != 0
        ? "\"channel\":\"store\",\"storeId\":\"store-" + (1 + random.nextInt(50)) + "\""
        : "\"channel\":\"online\"";
    Instant occurredAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(random.nextLong(SPREAD_SECONDS + 1));
    return "{\"transactionId\":\"" + transactionId + "\",\"memberExternalId\":\"" + json(memberExternalId)
        + "\",\"occurredAt\":\"" + occurredAt + "\",\"total\":" + total + ",\"currency\":\"EUR\"," + where
        + ",\"items\":[" + items + "]}";
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
