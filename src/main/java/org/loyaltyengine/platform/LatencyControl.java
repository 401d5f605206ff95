package org.loyaltyengine.platform;

/**
 * Admission by latency (docs/protection.md, "Shedding by latency"): the node's in-flight count alone cannot see
 * an overload whose queue is shorter than the hard bound but already seconds long. Pure logic: every input is
 * a count or a {@link System#nanoTime()}-style timestamp, so it is tested with simulated time.
 *
 * <p>The signal is CoDel's (Nichols and Jacobson): the <em>minimum</em> latency of the requests that finished
 * in an interval. A request that is slow by nature (a bulk upload) does not raise the minimum while others are
 * quick; when even the quickest request took longer than the target, every request waited in a queue. Unlike
 * CoDel, a standing queue is not enough: a closed loop of many clients (each sends its next request when its
 * answer arrives) has a standing queue of about clients ÷ throughput by Little's law, and refusing one of them
 * only brings it back at once, costing a refusal per retry and serving nobody sooner. What marks an overload
 * is that arrivals outrun completions, so the queue <em>grows</em>. Shedding starts after
 * {@link #EVIDENCE_INTERVALS} intervals in a row in which the quickest request missed the target, the queue
 * grew (arrivals exceeded completions by more than 1/{@link #GROWTH_DIVISOR}) and more than
 * {@code minInFlight} requests were in flight. A closed loop's queue grows only while its clients connect (a
 * ramp shorter than that), then stays level; a burst shorter than an interval is absorbed.
 *
 * <p>While shedding, a limit on requests in flight decides: an arrival finding {@code limit} requests in flight
 * is refused. The limit starts at the in-flight count scaled by target ÷ quickest latency (Little's law: at the
 * same throughput, latency scales with the number in flight), is scaled down the same way (at most halved)
 * after each interval still above the target, and grows by a tenth after each interval below it; it never goes
 * below {@code minInFlight}. Shedding ends after an interval below the target with no arrival refused (the
 * load fits again), or after one with more than {@link #RETRY_STORM_RATIO} refusals per answer: then the
 * refused clients come straight back (a closed loop that got here while its clients connected, slowly, or
 * clients ignoring Retry-After), each refusal costs the node without sparing it a request, and the in-flight
 * bound is the only one that helps. Thread-safe: the node's HTTP event loops share one instance; each call holds its lock for
 * a few comparisons.
 */
public final class LatencyControl {
  /** Intervals in a row with a slow minimum and a growing queue before shedding starts. */
  static final int EVIDENCE_INTERVALS = 2;
  /** The queue grows when arrivals exceed completions by more than completions / this (5 %). */
  static final int GROWTH_DIVISOR = 20;
  /**
   * More refusals than this many per answer in an interval: the refused clients are sending again at once (a
   * closed loop, or clients ignoring Retry-After), which shedding cannot relieve; an open loop at k × the node's
   * speed is refused about k - 1 times per answer.
   */
  static final int RETRY_STORM_RATIO = 10;
  private static final int MAX_LIMIT = 1 << 30;

  /**
   * @param enabled     false: never sheds (the in-flight bound alone decides)
   * @param targetNanos the quickest request of an interval slower than this counts as queued
   * @param intervalNanos the measurement interval
   * @param minInFlight with at most this many requests in flight nothing is shed, whatever their latency
   */
  public record Settings(boolean enabled, long targetNanos, long intervalNanos, int minInFlight) {
    public Settings {
      if (targetNanos <= 0 || intervalNanos <= 0 || minInFlight < 1) {
        throw new IllegalArgumentException("target and interval must be positive, minInFlight at least 1");
      }
    }
  }

  private final Settings settings;
  private long intervalStart;
  private int inFlightAtStart;
  private long completions;
  private long quickest = Long.MAX_VALUE;
  private long shedInInterval;
  private int evidence;
  private boolean shedding;
  private int limit = MAX_LIMIT;

  public LatencyControl(Settings settings, long now) {
    this.settings = settings;
    this.intervalStart = now;
  }

  /**
   * Whether an arrival finding {@code inFlight} requests in flight may start; a refusal is counted towards the
   * decision to stop shedding.
   */
  public synchronized boolean admit(int inFlight, long now) {
    if (!settings.enabled) {
      return true;
    }
    roll(inFlight, now);
    if (!shedding || inFlight < limit) {
      return true;
    }
    shedInInterval++;
    return false;
  }

  /**
   * An admitted request's answer was sent {@code latencyNanos} after it arrived; {@code inFlight} requests
   * remain.
   */
  public synchronized void completed(long latencyNanos, int inFlight, long now) {
    if (!settings.enabled) {
      return;
    }
    roll(inFlight, now);
    completions++;
    quickest = Math.min(quickest, latencyNanos);
  }

  /** An admitted request whose client went away before its answer: it says nothing of the queue's delay. */
  public synchronized void abandoned(int inFlight, long now) {
    if (settings.enabled) {
      roll(inFlight, now);
    }
  }

  /**
   * Closes the interval if it is over, with {@code inFlight} requests in flight at {@code now}: the state an
   * idle node reports is not the one its last request left.
   */
  public synchronized void refresh(int inFlight, long now) {
    if (settings.enabled) {
      roll(inFlight, now);
    }
  }

  public synchronized boolean shedding() {
    return shedding;
  }

  /** The in-flight limit while shedding; {@code Integer.MAX_VALUE} while not. */
  public synchronized int limit() {
    return shedding ? limit : Integer.MAX_VALUE;
  }

  public Settings settings() {
    return settings;
  }

  /** Closes the interval once it has lasted {@code intervalNanos} (an idle gap counts as one long interval). */
  private void roll(int inFlight, long now) {
    long elapsed = now - intervalStart;
    if (elapsed < settings.intervalNanos) {
      return;
    }
    // No request finished while some were in flight: every one of them has waited the whole interval.
    long quickestLatency = completions > 0 ? quickest : inFlight > 0 ? elapsed : 0;
    boolean slow = quickestLatency >= settings.targetNanos;
    if (!shedding) {
      boolean growing = inFlight - inFlightAtStart > completions / GROWTH_DIVISOR;
      evidence = slow && growing && inFlight > settings.minInFlight ? evidence + 1 : 0;
      if (evidence >= EVIDENCE_INTERVALS) {
        shedding = true;
        evidence = 0;
        limit = scaledDown(inFlight, quickestLatency);
      }
    } else if ((!slow && shedInInterval == 0) || (completions > 0 && shedInInterval > RETRY_STORM_RATIO * completions)) {
      shedding = false;
      limit = MAX_LIMIT;
    } else if (slow) {
      limit = scaledDown(Math.min(limit, inFlight), quickestLatency);
    } else {
      limit = (int) Math.min(MAX_LIMIT, limit + Math.max(1, limit / 10));
    }
    intervalStart = now;
    inFlightAtStart = inFlight;
    completions = 0;
    quickest = Long.MAX_VALUE;
    shedInInterval = 0;
  }

  /** Little's law: at the same throughput, {@code inFlight × target / latency} in flight would wait the target. */
  private int scaledDown(int inFlight, long latency) {
    double factor = Math.max(0.5, (double) settings.targetNanos / Math.max(1, latency));
    return Math.max(settings.minInFlight, (int) (inFlight * factor));
  }
}
