package org.loyaltyengine.ledger;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EarningBatchTest {
  private static final UUID TENANT = UUID.fromString("00000000-0000-0000-0000-000000000001");
  private static final Instant AT = Instant.parse("2026-12-06T10:00:00Z");

  private static Earning earning(UUID tenant, long member, String id, List<Earning.Usage> usage,
                                 List<Earning.Budget> budgets, List<String> tiers) {
    return new Earning(tenant, member, "transaction", id, "hash-" + id, AT, 1000, "EUR", "store", null, "[]",
        List.of(new Earning.Lot(10, AT)), null, "[]", usage, budgets, tiers, tiers.stream().map(t -> 100L).toList(),
        null);
  }

  @Test
  @DisplayName("counters are summed over the batch, one per member, rule and window, in lock order, under the strictest cap")
  void sumsCounters() {
    EarningBatch b = EarningBatch.of(List.of(
        earning(TENANT, 7, "a", List.of(new Earning.Usage("login", "d:2026-12-06", 5, 10)),
            List.of(new Earning.Budget("welcome", 3, 1000)), List.of()),
        earning(TENANT, 3, "b", List.of(new Earning.Usage("login", "d:2026-12-06", 4, 10)), List.of(), List.of()),
        earning(TENANT, 7, "c", List.of(new Earning.Usage("login", "d:2026-12-06", 2, 8),
            new Earning.Usage("login", "m:2026-12", 2, 50)), List.of(new Earning.Budget("welcome", 4, 900)), List.of())));
    assertEquals(List.of(
        new EarningBatch.Counter(3, "login", "d:2026-12-06", 4, 10),
        new EarningBatch.Counter(7, "login", "d:2026-12-06", 7, 8),
        new EarningBatch.Counter(7, "login", "m:2026-12", 2, 50)), b.counters());
    assertEquals(List.of(new Earning.Budget("welcome", 7, 900)), b.budgets());
    assertEquals(List.of("a", "b", "c"), b.earnings().stream().map(Earning::causeId).toList(), "earnings keep their order");
  }

  @Test
  @DisplayName("only earnings of one tenant and one tier ladder share a batch")
  void compatibility() {
    Earning a = earning(TENANT, 1, "a", List.of(), List.of(), List.of("silver"));
    assertTrue(EarningBatch.compatible(a, earning(TENANT, 2, "b", List.of(), List.of(), List.of("silver"))));
    assertFalse(EarningBatch.compatible(a, earning(UUID.randomUUID(), 2, "b", List.of(), List.of(), List.of("silver"))));
    assertFalse(EarningBatch.compatible(a, earning(TENANT, 2, "b", List.of(), List.of(), List.of("silver", "gold"))));
    assertThrows(IllegalArgumentException.class, () -> EarningBatch.of(List.of(a,
        earning(UUID.randomUUID(), 2, "b", List.of(), List.of(), List.of("silver")))));
  }
}
