package org.loyaltyengine.ratelimit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("GCRA: a burst at once, then the sustained rate; a request passes only if every bucket has room")
class GcraTest {
  static final long SECOND = 1_000_000;
  static final long START = 1_000 * SECOND;

  @Test
  @DisplayName("a fresh bucket allows its burst at once, counting down Remaining, then refuses with the wait until the next unit")
  void burstThenRefusal() {
    Quota q = new Quota(2, 3); // one unit every 500 ms, three at once
    long[] tats = {0};
    for (long expectedRemaining = 2; expectedRemaining >= 0; expectedRemaining--) {
      Verdict v = Gcra.decide(tats, new Quota[] {q}, START);
      assertTrue(v.allowed());
      assertEquals(3, v.limit());
      assertEquals(expectedRemaining, v.remaining());
    }
    Verdict refused = Gcra.decide(tats, new Quota[] {q}, START);
    assertFalse(refused.allowed());
    assertEquals(0, refused.remaining());
    assertEquals(SECOND / 2, refused.retryAfterMicros());
    assertEquals(1, refused.retryAfterSeconds(), "Retry-After rounds up to whole seconds");
    assertEquals(2, refused.resetSeconds(), "full again after 1.5 s, rounded up");
    assertEquals(START + 3 * SECOND / 2, tats[0], "a refusal leaves the state as it was");
  }

  @Test
  @DisplayName("the bucket refills at the sustained rate: one unit per interval, never more than the burst")
  void refillsAtTheRate() {
    Quota q = new Quota(10, 5);
    long[] tats = {0};
    for (int i = 0; i < 5; i++) {
      assertTrue(Gcra.decide(tats, new Quota[] {q}, START).allowed());
    }
    assertFalse(Gcra.decide(tats, new Quota[] {q}, START + 99_999).allowed(), "just short of one interval");
    assertTrue(Gcra.decide(tats, new Quota[] {q}, START + 100_000).allowed(), "one interval later: one unit");
    assertFalse(Gcra.decide(tats, new Quota[] {q}, START + 100_000).allowed());

    Verdict rested = Gcra.decide(tats, new Quota[] {q}, START + 60 * SECOND);
    assertEquals(4, rested.remaining(), "a long rest refills to the burst, no further");
  }

  @Test
  @DisplayName("over time, allowed requests never exceed burst + rate x elapsed")
  void longRunAdmitsTheRate() {
    Quota q = new Quota(100, 10);
    long[] tats = {0};
    int allowed = 0;
    for (long t = 0; t < 10 * SECOND; t += 1_000) { // a request every millisecond for ten seconds: 10x the rate
      if (Gcra.decide(tats, new Quota[] {q}, START + t).allowed()) {
        allowed++;
      }
    }
    assertEquals(10 + 100 * 10, allowed, 1);
  }

  @Test
  @DisplayName("key and tenant: refused when either is exhausted, and then neither is charged; headers show the tighter bucket")
  void twoBuckets() {
    Quota key = new Quota(1, 5);
    Quota tenant = new Quota(1, 2);
    long[] tats = {0, 0};
    Verdict first = Gcra.decide(tats, new Quota[] {key, tenant}, START);
    assertTrue(first.allowed());
    assertEquals(2, first.limit(), "the tenant's bucket is the tighter one");
    assertEquals(1, first.remaining());
    assertTrue(Gcra.decide(tats, new Quota[] {key, tenant}, START).allowed());
    long keyTat = tats[0];
    Verdict refused = Gcra.decide(tats, new Quota[] {key, tenant}, START);
    assertFalse(refused.allowed());
    assertEquals(2, refused.limit());
    assertEquals(keyTat, tats[0], "the key is not charged for a request its tenant refused");
  }

  @Test
  @DisplayName("quotas are positive and bounded; a quota shared by N nodes without Redis is split, never below 1")
  void quotaBounds() {
    assertThrows(IllegalArgumentException.class, () -> new Quota(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new Quota(1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Quota(Quota.MAX_PER_SECOND + 1, 1));
    assertEquals(new Quota(33, 66), new Quota(100, 200).perNode(3));
    assertEquals(new Quota(1, 1), new Quota(2, 2).perNode(5));
    assertEquals(new Quota(2, 2), new Quota(2, 2).perNode(1));
  }

  @Test
  @DisplayName("the local limiter keeps buckets by name and forgets them all when its bound is reached")
  void localLimiter() {
    AtomicLong nanos = new AtomicLong(START * 1000);
    LocalLimiter local = new LocalLimiter(4, nanos::get);
    Quota[] one = {new Quota(1, 1), new Quota(100, 100)};
    assertTrue(local.acquire(new String[] {"k:a", "t:x"}, one).allowed());
    assertFalse(local.acquire(new String[] {"k:a", "t:x"}, one).allowed(), "the same key again within the second");
    assertTrue(local.acquire(new String[] {"k:b", "t:x"}, one).allowed(), "another key of the tenant");
    assertEquals(3, local.size());
    nanos.addAndGet(1_000_000_000L);
    assertTrue(local.acquire(new String[] {"k:a", "t:x"}, one).allowed(), "a second later");
    assertTrue(local.acquire(new String[] {"k:c", "t:y"}, one).allowed());
    assertTrue(local.size() <= 4, "bounded: " + local.size());
  }
}
