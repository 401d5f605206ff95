package org.loyaltyengine.fulfillment.sim;

import org.loyaltyengine.fulfillment.sim.FailurePolicy.Fate;

import java.util.List;
import java.util.Optional;

/**
 * The partner's behaviour for gift-card calls, free of HTTP: outage, injected failures, permanent
 * rejections and idempotent issuing. The HTTP layer asks, in order: {@link #outage()} before reading the
 * body, {@link #fate} after, then {@link #issue}, then waits {@link #answerDelayMs()}.
 */
public final class GiftCardIssuer {
  /** An sku starting with this is unknown to the partner: always rejected. */
  public static final String INVALID_SKU_PREFIX = "INVALID-";
  public static final String UNKNOWN_SKU = "unknown_sku";
  /** The reason given for a rejection drawn with {@code permanentErrorRate}. */
  public static final String DECLINED = "declined";

  private final SimControls controls;
  private final FailurePolicy policy;
  private final IssuanceRegistry registry;
  private final SimStats stats;

  public GiftCardIssuer(SimControls controls, FailurePolicy policy, IssuanceRegistry registry, SimStats stats) {
    this.controls = controls;
    this.policy = policy;
    this.registry = registry;
    this.stats = stats;
  }

  /** Counts the call; true when an outage is on and it must be answered 503 at once. */
  public boolean outage(boolean batch) {
    stats.requests.increment();
    if (batch) {
      stats.batches.increment();
    }
    if (controls.settings().outageActive(controls.now())) {
      stats.errors503.increment();
      stats.outageRejections.increment();
      return true;
    }
    return false;
  }

  /** Draws whether this call fails (503, nothing issued), loses its answer (issued, never answered), or not. */
  public Fate fate() {
    Fate fate = policy.fate(controls.settings());
    switch (fate) {
      case UNAVAILABLE -> stats.errors503.increment();
      case LOST_RESPONSE -> stats.timeouts.increment();
      case ANSWER -> { }
    }
    return fate;
  }

  /** Issues, replays or refuses each order; see {@link IssuanceRegistry#issue(List, java.util.function.Function)}. */
  public List<IssueResult> issue(List<IssueRequest> orders) {
    List<IssueResult> results;
    try {
      results = registry.issue(orders, this::rejectionOf);
    } catch (StorageFullException e) {
      stats.storageFull();
      throw e;
    }
    for (IssueResult r : results) {
      switch (r.outcome()) {
        case NEW -> {
          if (r.issued()) {
            stats.issued.increment();
            stats.codesIssued.add(r.issuance().codes().size());
          } else {
            stats.rejected.increment();
          }
        }
        case REPLAY -> stats.duplicateKeyHits.increment();
        case CONFLICT -> stats.conflicts.increment();
      }
    }
    return results;
  }

  public IssueResult issue(IssueRequest order) {
    return issue(List.of(order)).get(0);
  }

  public long answerDelayMs() {
    return policy.delayMs(controls.settings());
  }

  private Optional<String> rejectionOf(IssueRequest order) {
    if (order.sku().startsWith(INVALID_SKU_PREFIX)) {
      return Optional.of(UNKNOWN_SKU);
    }
    return policy.declines(controls.settings()) ? Optional.of(DECLINED) : Optional.empty();
  }
}
