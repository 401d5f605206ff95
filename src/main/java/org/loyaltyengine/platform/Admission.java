package org.loyaltyengine.platform;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's bound on requests in flight, shared by its HTTP event loops. A request takes a slot on arrival
 * (before its body is read) and gives it back when its answer is sent or its connection drops; a request
 * finding every slot taken is refused at once rather than queued, so overload costs a client one fast
 * {@code 503} instead of a time-out.
 */
public final class Admission {
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();

  public Admission(int maxInFlight) {
    this.maxInFlight = maxInFlight;
  }

  /** Takes a slot, or returns false (and takes nothing) when all {@code maxInFlight} are taken. */
  public boolean tryEnter() {
    while (true) {
      int now = inFlight.get();
      if (now >= maxInFlight) {
        return false;
      }
      if (inFlight.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  public void leave() {
    inFlight.decrementAndGet();
  }

  public int inFlight() {
    return inFlight.get();
  }

  public int maxInFlight() {
    return maxInFlight;
  }
}
