package org.loyaltyengine.member;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.transaction.HistoryCursor;
import org.loyaltyengine.transaction.HistoryPage;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** After a write, a document keeps its history only when nothing this node did not write changed it. */
@DisplayName("Which history a refreshed document keeps")
class KeptHistoryTest {
  static final HistoryPage.Entry A = entry("a", 100, 1);
  static final HistoryPage.Entry B = entry("b", 200, 2);
  static final HistoryPage.Entry C = entry("c", 300, 3);

  private static HistoryPage.Entry entry(String id, long seconds, long seq) {
    return new HistoryPage.Entry("{\"transactionId\":\"" + id + "\"}",
        new HistoryCursor(Instant.ofEpochSecond(seconds), seq));
  }

  private static HistoryPage page(HistoryPage.Entry... entries) {
    return new HistoryPage(java.util.Arrays.stream(entries).map(HistoryPage.Entry::item).toList(),
        java.util.Arrays.stream(entries).map(e -> e.at().encode()).toList(), false);
  }

  /** A document holding {@code history} read at {@code historyVersion}. */
  private static CachedMember document(long historyVersion, HistoryPage history) {
    return new CachedMember(5, 1, 0, Long.MAX_VALUE, "{}", "{}", historyVersion, history.encode());
  }

  @Test
  @DisplayName("the member's history is the document's: kept as it is")
  void current() {
    CachedMember d = document(4, page(A));
    assertArrayEquals(d.history(), MemberLookup.keptHistory(d, 4, List.of()));
    assertArrayEquals(d.history(), MemberLookup.keptHistory(d, 4, List.of(new MemberLookup.Added(4, B))),
        "a purchase another refresh already added is not added twice");
  }

  @Test
  @DisplayName("the document lacks exactly the purchases this node wrote: they are added in their places")
  void broughtForward() {
    CachedMember d = document(4, page(B));
    assertEquals(page(C, B), HistoryPage.decode(MemberLookup.keptHistory(d, 5, List.of(new MemberLookup.Added(5, C)))));
    assertEquals(page(C, B, A), HistoryPage.decode(MemberLookup.keptHistory(d, 6,
        List.of(new MemberLookup.Added(6, A), new MemberLookup.Added(5, C)))));
  }

  @Test
  @DisplayName("anything else is read again: a change this node did not write, no document, an unknown or newer one")
  void readAgain() {
    CachedMember d = document(4, page(B));
    assertNull(MemberLookup.keptHistory(d, 6, List.of(new MemberLookup.Added(6, C))),
        "version 5 (another node's purchase, a fraud void) is not known here");
    assertNull(MemberLookup.keptHistory(d, 5, List.of()), "a history change with no purchase of this node");
    assertNull(MemberLookup.keptHistory(null, 5, List.of(new MemberLookup.Added(5, C))));
    assertNull(MemberLookup.keptHistory(document(-1, page(B)), 5, List.of(new MemberLookup.Added(5, C))),
        "a document written before history versions");
    assertNull(MemberLookup.keptHistory(document(7, page(B)), 5, List.of()), "a document newer than the view");
  }
}
