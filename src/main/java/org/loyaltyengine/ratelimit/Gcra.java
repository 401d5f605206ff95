package org.loyaltyengine.ratelimit;

/**
 * The generic cell rate algorithm over several buckets at once (a key's and its tenant's): a request passes
 * only if every bucket has room, and then takes one unit from each. A bucket's whole state is one number,
 * its theoretical arrival time (TAT, microseconds). {@code RateLimitClient}'s Lua script is this same
 * computation run inside Redis; keep the two in step.
 */
public final class Gcra {
  private Gcra() {}

  /**
   * Decides a request arriving at {@code nowMicros}. {@code tats[i]} is bucket i's state (0 = never used);
   * when the request is allowed the array is updated in place, otherwise it is left unchanged.
   */
  public static Verdict decide(long[] tats, Quota[] quotas, long nowMicros) {
    long[] next = new long[tats.length];
    boolean allowed = true;
    long retryAfter = 0;
    long limit = 0;
    long remaining = Long.MAX_VALUE;
    long reset = 0;
    long deniedLimit = 0;
    long deniedReset = 0;
    for (int i = 0; i < tats.length; i++) {
      long interval = quotas[i].intervalMicros();
      long tolerance = interval * quotas[i].burst();
      long tat = Math.max(tats[i], nowMicros);
      long newTat = tat + interval;
      long allowAt = newTat - tolerance;
      if (nowMicros < allowAt) {
        allowed = false;
        if (allowAt - nowMicros > retryAfter) {
          retryAfter = allowAt - nowMicros;
          deniedLimit = quotas[i].burst();
          deniedReset = tat - nowMicros;
        }
      } else {
        next[i] = newTat;
        long left = (nowMicros - allowAt) / interval;
        if (left < remaining) {
          remaining = left;
          limit = quotas[i].burst();
          reset = newTat - nowMicros;
        }
      }
    }
    if (!allowed) {
      return new Verdict(false, deniedLimit, 0, deniedReset, retryAfter);
    }
    System.arraycopy(next, 0, tats, 0, tats.length);
    return new Verdict(true, limit, remaining, reset, 0);
  }
}
