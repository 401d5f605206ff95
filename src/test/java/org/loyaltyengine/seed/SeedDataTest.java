package org.loyaltyengine.seed;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Seed data generator")
class SeedDataTest {
  private static final Instant AS_OF = Instant.parse("2025-06-01T00:00:00Z");
  private final SeedData data = new SeedData(42, AS_OF, 10);

  @Test
  @DisplayName("the same random seed and member index always produce the same member")
  void deterministic() {
    assertEquals(data.member(1234), new SeedData(42, AS_OF, 10).member(1234));
    assertEquals(data.member(1), data.member(1));
  }

  @Test
  @DisplayName("another random seed or another member index produces different data")
  void seedAndIndexMatter() {
    assertNotEquals(data.member(7).purchases(), new SeedData(43, AS_OF, 10).member(7).purchases());
    assertNotEquals(data.member(7).purchases().get(0).items(), data.member(8).purchases().get(0).items());
  }

  @Test
  @DisplayName("external ids are member- plus the index zero-padded to 7 digits, emails follow them")
  void externalIds() {
    assertEquals("member-0000001", SeedData.externalId(1));
    assertEquals("member-0012345", SeedData.externalId(12_345));
    assertEquals("member-9999999", SeedData.externalId(9_999_999));
    assertThrows(IllegalArgumentException.class, () -> SeedData.externalId(0));
    assertThrows(IllegalArgumentException.class, () -> SeedData.externalId(10_000_000));
    SeedData.Member m = data.member(42);
    assertEquals("member-0000042", m.externalId());
    assertEquals("member-0000042@example.com", m.email());
  }

  @Test
  @DisplayName("each member gets K transactions numbered t-<member index>-1 .. t-<member index>-K")
  void transactionIds() {
    SeedData.Member m = data.member(314);
    assertEquals(10, m.purchases().size());
    for (int n = 1; n <= 10; n++) {
      assertEquals("t-314-" + n, m.purchases().get(n - 1).transactionId());
    }
    assertTrue(new SeedData(42, AS_OF, 0).member(314).purchases().isEmpty());
  }

  @Test
  @DisplayName("a transaction's total is the sum of its line amounts, and it earns total / 100 points")
  void totalsAndPoints() {
    for (int index = 1; index <= 2_000; index++) {
      SeedData.Member m = data.member(index);
      long points = 0;
      long spent = 0;
      for (SeedData.Purchase p : m.purchases()) {
        long sum = 0;
        for (SeedData.Item item : p.items()) {
          sum += item.amount();
        }
        assertEquals(sum, p.total(), p.transactionId());
        assertEquals(p.total() / 100, p.pointsEarned(), p.transactionId());
        points += p.pointsEarned();
        spent += p.total();
      }
      assertEquals(points, m.points());
      assertEquals(spent, m.spent());
    }
  }

  @Test
  @DisplayName("items, channels and timestamps stay within the documented ranges")
  void ranges() {
    for (int index = 1; index <= 2_000; index++) {
      SeedData.Member m = data.member(index);
      assertTrue(m.enrolledAt().isBefore(AS_OF) && !m.enrolledAt().isBefore(AS_OF.minus(Duration.ofDays(730))));
      for (SeedData.Purchase p : m.purchases()) {
        assertTrue(p.occurredAt().isBefore(AS_OF) && !p.occurredAt().isBefore(AS_OF.minus(Duration.ofDays(365))));
        assertTrue(p.items().size() >= 1 && p.items().size() <= 5);
        for (SeedData.Item item : p.items()) {
          assertTrue(item.quantity() >= 1 && item.quantity() <= 3);
          assertTrue(item.amount() >= 199L * item.quantity() && item.amount() <= 9_999L * item.quantity());
          assertEquals(0, item.amount() % item.quantity(), "a whole unit price");
          assertTrue(item.sku().matches("SKU-\\d{3}"), item.sku());
        }
        if (p.channel().equals("store")) {
          assertTrue(p.storeId().matches("store-\\d+"), p.storeId());
        } else {
          assertEquals("online", p.channel());
          assertNull(p.storeId());
        }
      }
    }
  }

  @Test
  @DisplayName("items are rendered as a JSON array of {sku, category, quantity, amount}")
  void itemsJson() {
    SeedData.Purchase p = new SeedData.Purchase("t-1-1", AS_OF, "store", "store-1",
        java.util.List.of(new SeedData.Item("SKU-123", "grocery", 2, 199), new SeedData.Item("SKU-456", "clothing", 1, 5000)),
        5398, 53);
    assertEquals("[{\"sku\":\"SKU-123\",\"category\":\"grocery\",\"quantity\":2,\"amount\":199},"
        + "{\"sku\":\"SKU-456\",\"category\":\"clothing\",\"quantity\":1,\"amount\":5000}]", CopyChunk.itemsJson(p));
  }

  @Test
  @DisplayName("COPY text escapes backslashes, tabs and line breaks and leaves other text alone")
  void copyEscaping() {
    assertEquals("plain text", CopyChunk.text("plain text"));
    assertEquals("a\\\\b\\tc\\nd\\re", CopyChunk.text("a\\b\tc\nd\re"));
  }
}
