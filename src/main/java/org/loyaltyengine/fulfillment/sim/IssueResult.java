package org.loyaltyengine.fulfillment.sim;

/**
 * The answer to one order. {@code issuance} is the key's stored decision; for a conflict it is the original
 * order, which the caller must not reveal as if it were this one's.
 */
public record IssueResult(IssueRequest request, Issuance issuance, Outcome outcome) {
  public enum Outcome {
    /** First time this key was seen: the decision was just made. */
    NEW,
    /** The same order again with the same key: the stored decision, unchanged. */
    REPLAY,
    /** The key was first used for a different sku or quantity: nothing is issued. */
    CONFLICT
  }

  public boolean issued() {
    return outcome != Outcome.CONFLICT && issuance.status() == Issuance.Status.ISSUED;
  }
}
