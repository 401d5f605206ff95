package org.loyaltyengine.platform;

/**
 * Admission by latency (docs/protection.md, "Shedding by latency"): the node's in-flight count alone cannot see
 * an overload whose queue is shorter than the hard bound but already seconds long. Pure logic: every input is
 * a count or a {@link System#nanoTime()}-style timestamp, so it is tested with simulated time.
 *
 * <p>The signal is CoDel's (Nichols and Jacobson): the <em>minimum</em> latency of the requests that finished
 * in an interval. A request that is slow by nature (a bulk upload) does not raise the minimum while others are
 * quick; when even the quickest request took longer than the {@linkplain #target() target}, every request
 * waited in a queue. The target is measured as well as configured: twice the node's own steady latency when
 * that is above the configured one, so one setting fits a node answering in a millisecond and one whose
 * group commits take 300 ms.
 *
 * <p>Unlike CoDel, a standing queue is not enough: a closed loop of many clients (each sends its next request
 * when its answer arrives) has a standing queue of about clients ÷ throughput by Little's law, and refusing one
 * of them only brings it back at once, costing a refusal per retry and serving nobody sooner. What marks an
 * overload is that arrivals outrun completions, so the queue <em>grows</em>, judged trough to trough (a group
 * commit answers a batch at once). Shedding starts after {@link #EVIDENCE_INTERVALS} intervals in a row with a
 * slow minimum, a growing queue and more than {@code minInFlight} requests in flight.
 *
 * <p>While shedding, a limit on requests in flight decides: an arrival finding {@code limit} requests in flight
 * is refused. The limit is the recent throughput × the target (Little's law), lowered the same way when the
 * answers admitted under it are still slow and raised by a tenth after each interval below the target; never
 * below {@code minInFlight}. Shedding ends when recent arrivals fit the answers again, when the node goes
 * idle, or when refusals outnumber answers {@link #RETRY_STORM_RATIO} to one: the refused clients come straight
 * back (a closed loop that got here while its clients connected, or clients ignoring Retry-After), each refusal
 * costs the node without sparing it a request, and the in-flight bound is the only one that helps.
 * Thread-safe: the node's HTTP event loops share one instance; each call holds its lock for a few comparisons.
 */
public final class LatencyControl {
  /** Intervals in a row with a slow minimum and a growing queue before shedding starts. */
  static final int EVIDENCE_INTERVALS = 3;
  /** The queue grows when its trough rises by more than the answers / this (5 %). */
  static final int GROWTH_DIVISOR = 20;
  /**
   * More refusals than this many per answer in an interval: the refused clients are sending again at once (a
   * closed loop, or clients ignoring Retry-After), which shedding cannot relieve; an open loop at k × the node's
   * speed is refused about k - 1 times per answer.
   */
  static final int RETRY_STORM_RATIO = 10;
  private static final int MAX_LIMIT = 1 << 30;
  /**
   * The target is at least this many times the node's steady latency: a node whose quickest answers take 300 ms
   * at capacity (every earning waits for its group's commit on a slow disk) is not queued at 300 ms.
   */
  static final int REFERENCE_MULTIPLE = 2;
  /** Each steady interval moves the steady latency 1/this of the way to its quickest answer (an EWMA, ~1.6 s). */
  static final int REFERENCE_SMOOTHING = 16;
  /** Intervals over which arrivals are compared with answers to end shedding. */
  static final int LOAD_INTERVALS = 8;

  /**
   * @param enabled     false: never sheds (the in-flight bound alone decides)
   * @param targetNanos the quickest request of an interval slower than this counts as queued
   * @param intervalNanos the measurement interval
   * @param minInFlight with at most this many requests in flight nothing is shed, whatever their latency
   * @param maxLimit    the limit while shedding never exceeds this: what the node's inner bounds hold (requests
   *                    admitted beyond them would be refused later, after waiting, instead of at once)
   */
  public record Settings(boolean enabled, long targetNanos, long intervalNanos, int minInFlight, int maxLimit) {
    public Settings {
      if (targetNanos <= 0 || intervalNanos <= 0 || minInFlight < 1 || maxLimit < minInFlight) {
        throw new IllegalArgumentException("target and interval must be positive, minInFlight at least 1 and at most maxLimit");
      }
    }

    /** No cap beyond the controller's own. */
    public Settings(boolean enabled, long targetNanos, long intervalNanos, int minInFlight) {
      this(enabled, targetNanos, intervalNanos, minInFlight, MAX_LIMIT);
    }
  }

  private final Settings settings;
  private long intervalStart;
  private long completions;
  private long quickest = Long.MAX_VALUE;
  private long shedInInterval;
  private long previousCompletions;
  /** Arrivals, admitted or refused, in this interval; arrivals and answers of the last few. */
  private long arrivals;
  private final long[] recentArrivals = new long[LOAD_INTERVALS];
  private final long[] recentAnswers = new long[LOAD_INTERVALS];
  private final long[] recentRefusals = new long[LOAD_INTERVALS];
  private final long[] recentElapsed = new long[LOAD_INTERVALS];
  private int recent;
  /** The requests in flight when the limit was last set, and the answers sent since. */
  private int backlog;
  private long answeredSinceLimit;
  /** An arrival of this interval was refused by the node's hard in-flight bound: the interval was not steady. */
  private boolean boundHit;
  /** Intervals in a row with a slow, growing queue; when the run began and the answers sent since. */
  private int evidence;
  private long evidenceStartedAt;
  private long evidenceCompletions;
  /** The fewest requests in flight seen in this interval, in the last one and in the one before. */
  private int leastInFlight;
  private int previousLeastInFlight;
  private int leastInFlightTwoAgo;
  private boolean shedding;
  private int limit = MAX_LIMIT;
  /** The node's own steady latency (see {@link #target()}); 0 until an interval has shown it. */
  private long reference;

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
    arrivals++;
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
    // Counted before the interval may close: the first answer after a silence (a group commit's) belongs to it.
    completions++;
    answeredSinceLimit++;
    quickest = Math.min(quickest, latencyNanos);
    roll(inFlight, now);
  }

  /**
   * An arrival refused by the node's hard in-flight bound, which this controller does not see otherwise: a
   * queue held level by that bound is not a steady one, and its latency must not become the reference.
   */
  public synchronized void refusedByBound(int inFlight, long now) {
    if (settings.enabled) {
      roll(inFlight, now);
      boundHit = true;
    }
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
    leastInFlight = Math.min(leastInFlight, inFlight);
    long elapsed = now - intervalStart;
    if (elapsed < settings.intervalNanos) {
      return;
    }
    long target = target();
    if (completions == 0 && inFlight > 0 && elapsed < target) {
      // No answer yet (a node answering in group commits sends none between two commits): the interval says
      // nothing until one is sent or the wait passes the target.
      return;
    }
    // No request finished while some were in flight: every one of them has waited the whole interval.
    long quickestLatency = completions > 0 ? quickest : inFlight > 0 ? elapsed : 0;
    boolean slow = quickestLatency >= target;
    // Trough to trough: the fewest requests in flight in this interval against the fewest two intervals ago. A
    // node answering in group commits sends a batch of answers at once, so its count swings by a batch between
    // two commits, and an interval may hold a commit or none: over two intervals the troughs (just after a
    // commit) stay level unless the queue really grows.
    boolean growing = leastInFlight - leastInFlightTwoAgo > (completions + previousCompletions) / GROWTH_DIVISOR;
    if (!shedding) {
      evidence = slow && growing && inFlight > settings.minInFlight ? evidence + 1 : 0;
      if (evidence == 1) {
        evidenceStartedAt = intervalStart;
        evidenceCompletions = 0;
      }
      evidenceCompletions += completions;
      if (evidence >= EVIDENCE_INTERVALS) {
        shedding = true;
        evidence = 0;
        setLimit(littlesLaw((double) evidenceCompletions / Math.max(1, now - evidenceStartedAt), target), inFlight);
      } else if (reference == 0 && completions > 0) {
        // The node's first answers, queued behind few others: its own latency, until steady intervals say more.
        reference = quickestLatency;
      } else if (!growing && completions > 0 && !boundHit) {
        // A steady interval (answers kept up with arrivals): its latency is the node's own, not an overload's.
        reference += (quickestLatency - reference) / REFERENCE_SMOOTHING;
      }
    } else if ((inFlight == 0 && arrivals == 0) || loadFits() || retryStorm()) {
      shedding = false;
      limit = MAX_LIMIT;
    } else if (slow && !settled()) {
      // The answers still come from the backlog queued before the limit was set: their latency says nothing of
      // the limit yet; scaling down on it would overshoot to the floor.
    } else if (slow && limit <= settings.minInFlight && completions > 0) {
      // Even with the fewest requests in flight the answers are this slow: that is the node's own latency (a
      // node that was never seen steady, shedding since its first load), not a queue; shedding harder would
      // only starve it. The target follows, and the limit may grow again.
      reference = quickestLatency;
    } else if (slow) {
      setLimit(Math.min(limit, littlesLaw(recentThroughput(), target)), inFlight);
    } else {
      limit = (int) Math.min(settings.maxLimit, limit + Math.max(1, limit / 10));
    }
    leastInFlightTwoAgo = previousLeastInFlight;
    previousLeastInFlight = leastInFlight;
    leastInFlight = inFlight;
    previousCompletions = completions;
    recentArrivals[recent] = arrivals;
    recentAnswers[recent] = completions;
    recentRefusals[recent] = shedInInterval;
    recentElapsed[recent] = elapsed;
    recent = (recent + 1) % LOAD_INTERVALS;
    arrivals = 0;
    intervalStart = now;
    completions = 0;
    quickest = Long.MAX_VALUE;
    shedInInterval = 0;
    boundHit = false;
  }

  /**
   * Whether the arrivals (admitted or refused) of the last {@link #LOAD_INTERVALS} intervals were matched by
   * answers: the load fits the node again. Over several intervals, as a group commit's answers come in bursts.
   */
  private boolean loadFits() {
    long answers = sum(recentAnswers);
    return sum(recentArrivals) - answers <= answers / GROWTH_DIVISOR;
  }

  /** Answers per nanosecond over the last {@link #LOAD_INTERVALS} intervals. */
  private double recentThroughput() {
    return (double) sum(recentAnswers) / Math.max(1, sum(recentElapsed));
  }

  /**
   * More refusals than {@link #RETRY_STORM_RATIO} per answer over this interval and the last few (several, so
   * a group commit's burst of answers split by a boundary counts whole).
   */
  private boolean retryStorm() {
    long answers = completions + sum(recentAnswers);
    return answers > 0 && shedInInterval + sum(recentRefusals) > RETRY_STORM_RATIO * answers;
  }

  private static long sum(long[] recentIntervals) {
    long total = 0;
    for (long v : recentIntervals) {
      total += v;
    }
    return total;
  }

  private void setLimit(int newLimit, int inFlight) {
    limit = Math.min(newLimit, settings.maxLimit);
    backlog = inFlight;
    answeredSinceLimit = 0;
  }

  /**
   * Whether the answers now come from requests admitted under the current limit: the backlog in flight when it
   * was set, and a limit's worth admitted behind that backlog, have been answered (first come, first served).
   */
  private boolean settled() {
    // The backlog, then the requests admitted behind it: only their successors waited for the limit alone.
    return answeredSinceLimit >= backlog + limit;
  }


  /**
   * The latency past which the quickest answer of an interval counts as queued: the configured target, or
   * {@link #REFERENCE_MULTIPLE} × the node's steady latency when that is higher. The steady latency is the
   * quickest answer of the intervals in which the queue did not grow while not shedding (smoothed): measured, as
   * CoDel's "good queue" would be, rather than configured, so one setting fits a node answering reads in 1 ms
   * and a node whose earnings wait 300 ms for their group commit. It is not learnt while an overload builds or
   * is shed, so an overload cannot raise its own bar; a closed loop's standing queue does raise it (its clients
   * wait that long whatever the node does), which is what the overload benchmark compares with: served latency
   * under overload against the latency at capacity.
   */
  public synchronized long target() {
    return Math.max(settings.targetNanos, REFERENCE_MULTIPLE * reference);
  }

  /** Little's law: at {@code perNano} answers a nanosecond, this many requests in flight wait the target. */
  private int littlesLaw(double perNano, long target) {
    return (int) Math.max(settings.minInFlight, Math.min(MAX_LIMIT, perNano * target));
  }
}
