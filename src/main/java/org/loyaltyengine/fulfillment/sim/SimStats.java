package org.loyaltyengine.fulfillment.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters since start, for {@code GET /stats} and test assertions. */
public final class SimStats {
  /** Gift-card calls (single and batch) that passed the API-key check. */
  final LongAdder requests = new LongAdder();
  final LongAdder batches = new LongAdder();
  /** Keys newly issued, and the codes they got. */
  final LongAdder issued = new LongAdder();
  final LongAdder codesIssued = new LongAdder();
  /** Keys newly rejected for good (unknown sku or declined). */
  final LongAdder rejected = new LongAdder();
  /** Orders that repeated a known key with the same sku and quantity, and those that did not. */
  final LongAdder duplicateKeyHits = new LongAdder();
  final LongAdder conflicts = new LongAdder();
  /** All 503s, of which some during an outage. */
  final LongAdder errors503 = new LongAdder();
  final LongAdder outageRejections = new LongAdder();
  /** Calls whose codes were issued but whose answer was withheld. */
  final LongAdder timeouts = new LongAdder();
  final LongAdder storageFull = new LongAdder();
  final LongAdder unauthorized = new LongAdder();

  void unauthorized() {
    unauthorized.increment();
  }

  void storageFull() {
    storageFull.increment();
  }

  public Map<String, Long> snapshot() {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("requests", requests.sum());
    out.put("batches", batches.sum());
    out.put("issued", issued.sum());
    out.put("codesIssued", codesIssued.sum());
    out.put("rejected", rejected.sum());
    out.put("duplicateKeyHits", duplicateKeyHits.sum());
    out.put("conflicts", conflicts.sum());
    out.put("errors503", errors503.sum());
    out.put("outageRejections", outageRejections.sum());
    out.put("timeouts", timeouts.sum());
    out.put("storageFull", storageFull.sum());
    out.put("unauthorized", unauthorized.sum());
    return out;
  }

  public long get(String name) {
    Long v = snapshot().get(name);
    if (v == null) {
      throw new IllegalArgumentException("no counter " + name);
    }
    return v;
  }
}
