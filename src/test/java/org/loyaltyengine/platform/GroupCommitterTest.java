package org.loyaltyengine.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Group commit's rules, on a fake database whose statements complete when the test says so. */
class GroupCommitterTest {

  /** Items are "lane:value"; a statement's result for each item is the value upper-cased. */
  private static final class FakeDatabase {
    final List<List<String>> batches = new ArrayList<>();
    final List<Promise<List<String>>> batchPromises = new ArrayList<>();
    final List<String> alone = new ArrayList<>();
    final List<Promise<String>> alonePromises = new ArrayList<>();
    final List<Integer> observed = new ArrayList<>();
    final List<Runnable> timers = new ArrayList<>();

    GroupCommitter<String, String> committer(int maxBatch, long windowMs, int maxQueued) {
      return new GroupCommitter<>(new GroupCommitter.Settings(maxBatch, windowMs, 1, maxQueued),
          (ms, task) -> timers.add(task), item -> item.substring(0, item.indexOf(':')),
          (first, other) -> !other.contains("other-ladder") || first.contains("other-ladder"),
          batch -> {
            batches.add(batch);
            Promise<List<String>> p = Promise.promise();
            batchPromises.add(p);
            return p.future();
          },
          item -> {
            alone.add(item);
            Promise<String> p = Promise.promise();
            alonePromises.add(p);
            return p.future();
          },
          (size, failed) -> observed.add(failed ? -size : size));
    }

    void answerBatch(int i) {
      batchPromises.get(i).complete(batches.get(i).stream().map(GroupCommitterTest::answer).toList());
    }

    void answerAlone(int i) {
      alonePromises.get(i).complete(answer(alone.get(i)));
    }
  }

  private static String answer(String item) {
    return item.substring(item.indexOf(':') + 1).toUpperCase();
  }

  @Test
  @DisplayName("a write that finds its lane idle leaves at once, alone: no added latency at low load")
  void aloneAtLowLoad() {
    FakeDatabase db = new FakeDatabase();
    GroupCommitter<String, String> c = db.committer(100, 0, 1000);
    Future<String> f = c.submit("t1:a");
    assertEquals(List.of("t1:a"), db.alone, "sent without waiting");
    assertTrue(db.batches.isEmpty());
    assertFalse(f.isComplete(), "not answered before its commit");
    db.answerAlone(0);
    assertEquals("A", f.result());
    assertEquals(0, c.activeLanes(), "an idle lane is forgotten");
  }

  @Test
  @DisplayName("writes arriving while their lane's statement is in flight leave together, each with its own answer")
  void gathersWhileInFlight() {
    FakeDatabase db = new FakeDatabase();
    GroupCommitter<String, String> c = db.committer(3, 0, 1000);
    Future<String> first = c.submit("t1:a");
    List<Future<String>> later = new ArrayList<>();
    for (String v : List.of("b", "c", "d", "e")) {
      later.add(c.submit("t1:" + v));
    }
    assertTrue(db.batches.isEmpty(), "nothing else leaves while the lane is busy");
    db.answerAlone(0);
    assertEquals("A", first.result());
    assertEquals(List.of(List.of("t1:b", "t1:c", "t1:d")), db.batches, "at most maxBatch, in arrival order");
    db.answerBatch(0);
    assertEquals(List.of("B", "C", "D"), later.subList(0, 3).stream().map(Future::result).toList());
    assertEquals(List.of("t1:a", "t1:e"), db.alone, "the one left over leaves when the batch returns");
    db.answerAlone(1);
    assertEquals("E", later.get(3).result());
    assertEquals(List.of(3), db.observed);
  }

  @Test
  @DisplayName("lanes are independent: another tenant's (or lane's) write does not wait")
  void lanesAreIndependent() {
    FakeDatabase db = new FakeDatabase();
    GroupCommitter<String, String> c = db.committer(100, 0, 1000);
    c.submit("t1:a");
    c.submit("t2:b");
    assertEquals(List.of("t1:a", "t2:b"), db.alone);
    assertEquals(2, c.activeLanes());
  }

  @Test
  @DisplayName("a failed batch is applied one by one: a poisoned write fails only its own caller")
  void failedBatchFallsBackToAlone() {
    FakeDatabase db = new FakeDatabase();
    GroupCommitter<String, String> c = db.committer(100, 0, 1000);
    c.submit("t1:a");
    Future<String> good = c.submit("t1:good");
    Future<String> poisoned = c.submit("t1:poisoned");
    db.answerAlone(0);
    db.batchPromises.get(0).fail(new IllegalStateException("23505 in the batch"));
    assertEquals(List.of("t1:a", "t1:good", "t1:poisoned"), db.alone);
    db.answerAlone(1);
    db.alonePromises.get(2).fail(new IllegalStateException("the poisoned one"));
    assertEquals("GOOD", good.result());
    assertEquals("the poisoned one", poisoned.cause().getMessage());
    assertEquals(List.of(-2), db.observed);
  }

  @Test
  @DisplayName("writes handed back unapplied (another was a replay) go first in the next statement")
  void handedBackGoFirst() {
    FakeDatabase db = new FakeDatabase();
    GroupCommitter<String, String> c = db.committer(100, 0, 1000);
    c.submit("t1:a");
    Future<String> replay = c.submit("t1:replay");
    Future<String> fresh = c.submit("t1:fresh");
    db.answerAlone(0);
    Future<String> late = c.submit("t1:late");
    db.batchPromises.get(0).complete(java.util.Arrays.asList("STORED", null));
    assertEquals("STORED", replay.result());
    assertFalse(fresh.isComplete());
    assertEquals(List.of("t1:fresh", "t1:late"), db.batches.get(1));
    db.answerBatch(1);
    assertEquals("FRESH", fresh.result());
    assertEquals("LATE", late.result());
  }

  @Test
  @DisplayName("a full lane refuses at once with Overloaded (503), and the others are unaffected")
  void boundedQueue() {
    FakeDatabase db = new FakeDatabase();
    GroupCommitter<String, String> c = db.committer(100, 0, 2);
    c.submit("t1:a"); // in flight: the queue is empty again
    c.submit("t1:b");
    c.submit("t1:c");
    Future<String> refused = c.submit("t1:d");
    assertInstanceOf(Overloaded.class, refused.cause());
    assertFalse(c.submit("t2:x").failed());
  }

  @Test
  @DisplayName("writes that may not share a statement with the first wait for the next one")
  void incompatibleWaits() {
    FakeDatabase db = new FakeDatabase();
    GroupCommitter<String, String> c = db.committer(100, 0, 1000);
    c.submit("t1:a");
    c.submit("t1:b");
    c.submit("t1:other-ladder");
    c.submit("t1:c");
    db.answerAlone(0);
    assertEquals(List.of("t1:b", "t1:c"), db.batches.get(0));
    db.answerBatch(0);
    assertEquals(List.of("t1:a", "t1:other-ladder"), db.alone);
  }

  @Test
  @DisplayName("with a window, a write finding its lane idle waits for company until the timer or a full batch")
  void window() {
    FakeDatabase db = new FakeDatabase();
    GroupCommitter<String, String> c = db.committer(3, 2, 1000);
    c.submit("t1:a");
    c.submit("t1:b");
    assertTrue(db.alone.isEmpty() && db.batches.isEmpty(), "waiting for the window");
    assertEquals(1, db.timers.size(), "one timer per idle lane");
    db.timers.get(0).run();
    assertEquals(List.of(List.of("t1:a", "t1:b")), db.batches);
    db.answerBatch(0);
    c.submit("t1:c");
    c.submit("t1:d");
    c.submit("t1:e");
    assertEquals(List.of("t1:c", "t1:d", "t1:e"), db.batches.get(1), "a full batch leaves before its timer");
  }

  @Test
  @DisplayName("a write handed back over and over is finally applied alone")
  void neverHandedBackForever() {
    FakeDatabase db = new FakeDatabase();
    GroupCommitter<String, String> c = db.committer(100, 0, 1000);
    c.submit("t1:a");
    Future<String> stubborn = c.submit("t1:stubborn");
    c.submit("t1:x0");
    db.answerAlone(0);
    for (int i = 0; i < 3; i++) {
      assertEquals(List.of("t1:stubborn", "t1:x" + i), db.batches.get(i));
      c.submit("t1:x" + (i + 1));
      db.batchPromises.get(i).complete(java.util.Arrays.asList(null, "X" + i));
    }
    assertEquals(List.of("t1:a", "t1:stubborn"), db.alone, "the third time it goes alone");
    db.answerAlone(1);
    assertEquals("STUBBORN", stubborn.result());
  }
}
