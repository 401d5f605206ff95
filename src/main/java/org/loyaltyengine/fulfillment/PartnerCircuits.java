package org.loyaltyengine.fulfillment;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The node's view of its partner circuits, for readiness: an open circuit is "degraded", not "down". */
public final class PartnerCircuits {
  private final ConcurrentHashMap<String, String> states = new ConcurrentHashMap<>();

  public void record(String circuit, String state) {
    states.put(circuit, state);
  }

  public List<String> open() {
    return states.entrySet().stream().filter(e -> e.getValue().equals("open")).map(java.util.Map.Entry::getKey)
        .sorted().toList();
  }
}
