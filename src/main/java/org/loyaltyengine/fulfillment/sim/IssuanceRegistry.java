package org.loyaltyengine.fulfillment.sim;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Every idempotency key ever seen and what was decided for it, plus every code ever issued. A key is decided
 * once: asked again for the same order it replays the decision, asked for a different order it reports a
 * conflict and issues nothing. Codes are unique across the registry's life. In memory and bounded; a
 * request that would pass a bound is refused whole, so a batch is never half stored.
 */
public final class IssuanceRegistry {
  /** Drawing a code already issued this many times in a row means the generator is broken, not unlucky. */
  private static final int MAX_DRAWS_PER_CODE = 8;

  private final int maxKeys;
  private final long maxCodes;
  private final CodeGenerator generator;
  private final Clock clock;
  private final Map<String, Issuance> byKey = new HashMap<>();
  private final List<Issuance> issued = new ArrayList<>();
  private final Set<String> codes = new HashSet<>();

  public IssuanceRegistry(int maxKeys, long maxCodes, CodeGenerator generator, Clock clock) {
    if (maxKeys < 1 || maxCodes < 1) {
      throw new IllegalArgumentException("maxKeys and maxCodes must be positive");
    }
    this.maxKeys = maxKeys;
    this.maxCodes = maxCodes;
    this.generator = generator;
    this.clock = clock;
  }

  /**
   * Decides each order in turn (a key repeated inside the list replays its first decision).
   *
   * @param rejectionOf asked once per new key: a reason to reject it for good, or empty to issue
   * @throws StorageFullException before anything is stored, when the new keys or their codes would not fit
   */
  public synchronized List<IssueResult> issue(List<IssueRequest> requests,
                                             Function<IssueRequest, Optional<String>> rejectionOf) {
    reserve(requests);
    Instant now = clock.instant();
    List<IssueResult> results = new ArrayList<>(requests.size());
    for (IssueRequest request : requests) {
      Issuance known = byKey.get(request.idempotencyKey());
      if (known != null) {
        results.add(new IssueResult(request, known,
            known.sameOrderAs(request) ? IssueResult.Outcome.REPLAY : IssueResult.Outcome.CONFLICT));
        continue;
      }
      Issuance decided = rejectionOf.apply(request)
          .map(reason -> new Issuance(request.idempotencyKey(), request.sku(), request.quantity(),
              Issuance.Status.REJECTED, List.of(), Optional.of(reason), now))
          .orElseGet(() -> new Issuance(request.idempotencyKey(), request.sku(), request.quantity(),
              Issuance.Status.ISSUED, newCodes(request.quantity()), Optional.empty(), now));
      byKey.put(decided.idempotencyKey(), decided);
      if (decided.status() == Issuance.Status.ISSUED) {
        issued.add(decided);
      }
      results.add(new IssueResult(request, decided, IssueResult.Outcome.NEW));
    }
    assert codes.size() <= maxCodes && byKey.size() <= maxKeys;
    return results;
  }

  public IssueResult issue(IssueRequest request, Function<IssueRequest, Optional<String>> rejectionOf) {
    return issue(List.of(request), rejectionOf).get(0);
  }

  /** The stored decision for a key, if any. */
  public synchronized Optional<Issuance> find(String idempotencyKey) {
    return Optional.ofNullable(byKey.get(idempotencyKey));
  }

  /** Up to {@code limit} issuances from {@code offset}, oldest first. */
  public synchronized IssuedPage issued(int offset, int limit) {
    if (offset < 0 || limit < 0) {
      throw new IllegalArgumentException("offset and limit must not be negative");
    }
    int from = Math.min(offset, issued.size());
    int to = (int) Math.min((long) from + limit, issued.size());
    return new IssuedPage(issued.size(), codes.size(), from, new ArrayList<>(issued.subList(from, to)));
  }

  public synchronized int keys() {
    return byKey.size();
  }

  public synchronized long codes() {
    return codes.size();
  }

  private void reserve(List<IssueRequest> requests) {
    Set<String> newKeys = new HashSet<>();
    long newCodes = 0;
    for (IssueRequest r : requests) {
      if (!byKey.containsKey(r.idempotencyKey()) && newKeys.add(r.idempotencyKey())) {
        newCodes += r.quantity(); // counted even if the key ends up rejected: the bound must hold either way
      }
    }
    if (byKey.size() + (long) newKeys.size() > maxKeys) {
      throw new StorageFullException("the simulator holds its maximum of " + maxKeys + " idempotency keys");
    }
    if (codes.size() + newCodes > maxCodes) {
      throw new StorageFullException("the simulator holds its maximum of " + maxCodes + " codes");
    }
  }

  private List<String> newCodes(int quantity) {
    List<String> out = new ArrayList<>(quantity);
    for (int i = 0; i < quantity; i++) {
      out.add(uniqueCode());
    }
    return out;
  }

  private String uniqueCode() {
    for (int draw = 0; draw < MAX_DRAWS_PER_CODE; draw++) {
      String code = generator.next();
      if (codes.add(code)) {
        return code;
      }
    }
    throw new IllegalStateException("drew " + MAX_DRAWS_PER_CODE + " codes in a row that were already issued");
  }
}
