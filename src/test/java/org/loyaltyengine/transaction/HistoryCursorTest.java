package org.loyaltyengine.transaction;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.Rejection;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("History cursor")
class HistoryCursorTest {
  @Test
  @DisplayName("a cursor survives encoding with microsecond precision, like PostgreSQL timestamps")
  void roundTrip() {
    HistoryCursor c = new HistoryCursor(Instant.parse("2026-03-29T01:30:00.123456Z"), 987654321L);
    assertEquals(c, HistoryCursor.decode(c.encode()));
  }

  @Test
  @DisplayName("anything not produced by encode is rejected as invalid_cursor")
  void garbageRejected() {
    for (String bad : new String[] {"", "!!!", "bm90aGluZw", "MTIzOmFiYw"}) {
      Rejection r = assertThrows(Rejection.class, () -> HistoryCursor.decode(bad));
      assertEquals("invalid_cursor", r.code());
      assertEquals("cursor", r.field());
    }
  }
}
