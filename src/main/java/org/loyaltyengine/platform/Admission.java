package org.loyaltyengine.platform;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The node's admission control, shared by its HTTP event loops. A request takes a slot on arrival (before its
 * body is read) and gives it back when its answer is sent or its connection drops. It is refused at once,
 * rather than queued, when every one of {@code maxInFlight} slots is taken (the hard bound) or when its
 * {@link LatencyControl} finds the node's queue growing past its latency target; so overload costs a client
 * one fast {@code 503} instead of a time-out.
 */
public final class Admission {
  /** What became of an arrival. */
  public enum Verdict { ADMITTED, SHED_IN_FLIGHT, SHED_LATENCY }

  private final int maxInFlight;
  private final LatencyControl latency;
  private final LongSupplier nanoClock;
  private final AtomicInteger inFlight = new AtomicInteger();

  public Admission(int maxInFlight, LatencyControl latency, LongSupplier nanoClock) {
    this.maxInFlight = maxInFlight;
    this.latency = latency;
    this.nanoClock = nanoClock;
  }

  /** The clock arrivals and answers are timed with. */
  public long now() {
    return nanoClock.getAsLong();
  }

  /** Takes a slot for a request that arrived at {@code now}, or says why not (and takes nothing). */
  public Verdict tryEnter(long now) {
    if (inFlight.get() >= maxInFlight) {
      latency.refusedByBound(inFlight.get(), now);
      return Verdict.SHED_IN_FLIGHT;
    }
    if (!latency.admit(inFlight.get(), now)) {
      return Verdict.SHED_LATENCY;
    }
    while (true) {
      int n = inFlight.get();
      if (n >= maxInFlight) {
        latency.refusedByBound(n, now);
        return Verdict.SHED_IN_FLIGHT;
      }
      if (inFlight.compareAndSet(n, n + 1)) {
        return Verdict.ADMITTED;
      }
    }
  }

  /** Gives back the slot of a request that arrived at {@code arrived}; {@code answered}: its answer was sent. */
  public void leave(long arrived, boolean answered) {
    int remaining = inFlight.decrementAndGet();
    long now = now();
    if (answered) {
      latency.completed(now - arrived, remaining, now);
    } else {
      latency.abandoned(remaining, now);
    }
  }

  public int inFlight() {
    return inFlight.get();
  }

  public int maxInFlight() {
    return maxInFlight;
  }

  /** The in-flight limit in force now: the latency controller's while it sheds, else {@code maxInFlight}. */
  public int limit() {
    latency.refresh(inFlight(), now());
    return Math.min(maxInFlight, latency.limit());
  }

  /** The latency controller's target now (nanoseconds): the configured one, or 2 x the node's steady latency. */
  public long latencyTargetNanos() {
    latency.refresh(inFlight(), now());
    return latency.target();
  }

  /** Whether the latency controller is shedding now. */
  public boolean latencyShedding() {
    latency.refresh(inFlight(), now());
    return latency.shedding();
  }
}
