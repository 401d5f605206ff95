package org.loyaltyengine.fulfillment.sim;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.fulfillment.sim.FailurePolicy.Fate;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Gift-card issuer")
class GiftCardIssuerTest {
  final SimControls controls = new SimControls(SimSettings.defaults(), Clock.systemUTC());
  final SimStats stats = new SimStats();
  final GiftCardIssuer issuer = new GiftCardIssuer(controls, new FailurePolicy(new Random(3)),
      new IssuanceRegistry(1_000, 1_000, new CodeGenerator(new Random(3)), Clock.systemUTC()), stats);

  @Test
  @DisplayName("an sku starting with INVALID- is always rejected as unknown_sku, even when retried")
  void invalidSku() {
    IssueResult first = issuer.issue(new IssueRequest("k1", "INVALID-GONE", 1));
    IssueResult retry = issuer.issue(new IssueRequest("k1", "INVALID-GONE", 1));
    assertEquals(Optional.of(GiftCardIssuer.UNKNOWN_SKU), first.issuance().error());
    assertFalse(first.issued());
    assertEquals(first.issuance(), retry.issuance());
    assertEquals(1, stats.get("rejected"));
    assertEquals(1, stats.get("duplicateKeyHits"));
  }

  @Test
  @DisplayName("a permanent rejection sticks to its key after the rate drops, and an issued key stays issued after it rises")
  void permanentRejectionSticky() {
    controls.setPermanentErrorRate(1);
    IssueResult declined = issuer.issue(new IssueRequest("declined-key", "SKU", 1));
    controls.setPermanentErrorRate(0);
    IssueResult retry = issuer.issue(new IssueRequest("declined-key", "SKU", 1));
    IssueResult fresh = issuer.issue(new IssueRequest("fresh-key", "SKU", 1));
    controls.setPermanentErrorRate(1);
    IssueResult freshRetry = issuer.issue(new IssueRequest("fresh-key", "SKU", 1));

    assertEquals(Optional.of(GiftCardIssuer.DECLINED), declined.issuance().error());
    assertEquals(Optional.of(GiftCardIssuer.DECLINED), retry.issuance().error());
    assertTrue(fresh.issued());
    assertTrue(freshRetry.issued());
    assertEquals(fresh.issuance().codes(), freshRetry.issuance().codes());
  }

  @Test
  @DisplayName("per-item outcomes in a batch: issued and rejected side by side")
  void batchOutcomes() {
    List<IssueResult> results = issuer.issue(List.of(
        new IssueRequest("b1", "SKU-10", 2), new IssueRequest("b2", "INVALID-X", 1), new IssueRequest("b3", "SKU-10", 1)));
    assertEquals(List.of(true, false, true), results.stream().map(IssueResult::issued).toList());
    assertEquals(2, stats.get("issued"));
    assertEquals(3, stats.get("codesIssued"));
  }

  @Test
  @DisplayName("an outage refuses every call and is counted as a 503; error and timeout rates of 1 are certain")
  void outageAndFates() {
    assertFalse(issuer.outage(false));
    controls.setOutage(true);
    assertTrue(issuer.outage(true));
    controls.setOutage(false);
    controls.setErrorRate(1);
    assertEquals(Fate.UNAVAILABLE, issuer.fate());
    controls.setErrorRate(0);
    controls.setTimeoutRate(1);
    assertEquals(Fate.LOST_RESPONSE, issuer.fate());
    assertEquals(2, stats.get("requests"));
    assertEquals(1, stats.get("batches"));
    assertEquals(2, stats.get("errors503"));
    assertEquals(1, stats.get("outageRejections"));
    assertEquals(1, stats.get("timeouts"));
  }
}
