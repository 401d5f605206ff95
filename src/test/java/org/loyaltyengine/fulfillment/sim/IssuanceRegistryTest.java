package org.loyaltyengine.fulfillment.sim;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Issuance registry")
class IssuanceRegistryTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
  static final Function<IssueRequest, Optional<String>> ISSUE = r -> Optional.empty();

  static IssuanceRegistry registry(int maxKeys, long maxCodes) {
    return new IssuanceRegistry(maxKeys, maxCodes, new CodeGenerator(new Random(7)), CLOCK);
  }

  @Test
  @DisplayName("the same key and order again returns the same codes and issues nothing new")
  void sameKeySameCodes() {
    IssuanceRegistry registry = registry(100, 100);
    IssueResult first = registry.issue(new IssueRequest("k1", "AMAZON-25", 3), ISSUE);
    IssueResult again = registry.issue(new IssueRequest("k1", "AMAZON-25", 3), ISSUE);
    assertEquals(IssueResult.Outcome.NEW, first.outcome());
    assertEquals(IssueResult.Outcome.REPLAY, again.outcome());
    assertEquals(3, first.issuance().codes().size());
    assertEquals(first.issuance().codes(), again.issuance().codes());
    assertEquals(3, registry.codes());
    assertEquals(1, registry.issued(0, 10).count());
  }

  @Test
  @DisplayName("a key reused for a different sku or quantity is a conflict and issues nothing")
  void conflict() {
    IssuanceRegistry registry = registry(100, 100);
    IssueResult first = registry.issue(new IssueRequest("k1", "AMAZON-25", 1), ISSUE);
    IssueResult otherSku = registry.issue(new IssueRequest("k1", "AMAZON-50", 1), ISSUE);
    IssueResult otherQuantity = registry.issue(new IssueRequest("k1", "AMAZON-25", 2), ISSUE);
    assertEquals(IssueResult.Outcome.CONFLICT, otherSku.outcome());
    assertEquals(IssueResult.Outcome.CONFLICT, otherQuantity.outcome());
    assertEquals(false, otherSku.issued());
    assertEquals(first.issuance(), registry.find("k1").orElseThrow(), "the original order stands");
    assertEquals(1, registry.codes());
  }

  @Test
  @DisplayName("codes are unique across many keys, and all look like GC- and 16 base32 characters")
  void codesUnique() {
    IssuanceRegistry registry = registry(10_000, 50_000);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 5_000; i++) {
      for (String code : registry.issue(new IssueRequest("key-" + i, "SKU", 5), ISSUE).issuance().codes()) {
        assertTrue(code.matches("GC-[0-9A-HJKMNP-TV-Z]{16}"), code);
        assertTrue(seen.add(code), "issued twice: " + code);
      }
    }
    assertEquals(25_000, registry.codes());
  }

  @Test
  @DisplayName("a code drawn twice is drawn again, so a repeating generator cannot issue a duplicate")
  void collisionRedrawn() {
    RandomGenerator repeating = new RandomGenerator() {
      final long[] values = {1, 0, 1, 0, 2, 0}; // the second code first repeats the first, then differs
      int next;

      @Override
      public long nextLong() {
        return values[next++ % values.length];
      }
    };
    IssuanceRegistry registry = new IssuanceRegistry(10, 10, new CodeGenerator(repeating), CLOCK);
    List<String> codes = registry.issue(new IssueRequest("k", "SKU", 2), ISSUE).issuance().codes();
    assertNotEquals(codes.get(0), codes.get(1));
  }

  @Test
  @DisplayName("the rejection decision is asked once per key and then remembered")
  void rejectionRemembered() {
    IssuanceRegistry registry = registry(100, 100);
    AtomicInteger asked = new AtomicInteger();
    Function<IssueRequest, Optional<String>> declineOnce =
        r -> asked.getAndIncrement() == 0 ? Optional.of("declined") : Optional.empty();
    IssueResult first = registry.issue(new IssueRequest("k1", "SKU", 1), declineOnce);
    IssueResult retry = registry.issue(new IssueRequest("k1", "SKU", 1), declineOnce);
    assertEquals(Issuance.Status.REJECTED, first.issuance().status());
    assertEquals(Optional.of("declined"), retry.issuance().error());
    assertEquals(IssueResult.Outcome.REPLAY, retry.outcome());
    assertEquals(1, asked.get());
    assertEquals(0, registry.issued(0, 10).count(), "rejections are not issuances");
  }

  @Test
  @DisplayName("a key repeated inside one batch replays its first decision")
  void repeatedInsideBatch() {
    IssuanceRegistry registry = registry(100, 100);
    List<IssueResult> results = registry.issue(List.of(
        new IssueRequest("k1", "SKU", 1), new IssueRequest("k1", "SKU", 1)), ISSUE);
    assertEquals(IssueResult.Outcome.REPLAY, results.get(1).outcome());
    assertEquals(results.get(0).issuance().codes(), results.get(1).issuance().codes());
    assertEquals(1, registry.codes());
  }

  @Test
  @DisplayName("a batch that would pass the key or code bound is refused whole, and known keys still replay")
  void bounded() {
    IssuanceRegistry registry = registry(3, 5);
    registry.issue(new IssueRequest("a", "SKU", 2), ISSUE);
    assertThrows(StorageFullException.class, () -> registry.issue(List.of(
        new IssueRequest("b", "SKU", 1), new IssueRequest("c", "SKU", 1), new IssueRequest("d", "SKU", 1)), ISSUE));
    assertThrows(StorageFullException.class, () -> registry.issue(new IssueRequest("b", "SKU", 4), ISSUE));
    assertEquals(1, registry.keys());
    assertEquals(2, registry.codes());
    assertEquals(IssueResult.Outcome.REPLAY, registry.issue(new IssueRequest("a", "SKU", 2), ISSUE).outcome());
    registry.issue(List.of(new IssueRequest("b", "SKU", 1), new IssueRequest("c", "SKU", 2)), ISSUE);
    assertEquals(5, registry.codes());
  }

  @Test
  @DisplayName("issuances are listed oldest first, page by page")
  void pages() {
    IssuanceRegistry registry = registry(100, 100);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      keys.add("k" + i);
      registry.issue(new IssueRequest("k" + i, "SKU", 1), ISSUE);
    }
    IssuedPage first = registry.issued(0, 3);
    IssuedPage rest = registry.issued(first.nextOffset(), 3);
    assertEquals(5, first.count());
    assertEquals(keys.subList(0, 3), first.items().stream().map(Issuance::idempotencyKey).toList());
    assertEquals(keys.subList(3, 5), rest.items().stream().map(Issuance::idempotencyKey).toList());
    assertEquals(-1, rest.nextOffset());
    assertEquals(CLOCK.instant(), rest.items().get(0).at());
  }
}
