package org.loyaltyengine.fraud;

/**
 * Per-minute counts over a bounded past, for comparing the current rate with its recent baseline: the
 * current rate is the mean per minute over the last {@code rateMinutes} whole-or-current minutes, the
 * baseline the mean per minute over the {@code baselineMinutes} before them. A ring of minute buckets;
 * a bucket is reset when its minute comes round again. Thread-safe (one lock; a few operations per write).
 */
public final class SlidingCounts {
  private final int rateMinutes;
  private final int baselineMinutes;
  private final long[] counts;
  private final long[] minutes;

  public SlidingCounts(int rateMinutes, int baselineMinutes) {
    if (rateMinutes < 1 || baselineMinutes < 1) {
      throw new IllegalArgumentException("windows must be at least one minute");
    }
    this.rateMinutes = rateMinutes;
    this.baselineMinutes = baselineMinutes;
    int size = rateMinutes + baselineMinutes;
    this.counts = new long[size];
    this.minutes = new long[size];
    java.util.Arrays.fill(minutes, -1);
  }

  public synchronized void add(long epochMinute, long n) {
    int i = (int) Math.floorMod(epochMinute, (long) counts.length);
    if (minutes[i] != epochMinute) {
      minutes[i] = epochMinute;
      counts[i] = 0;
    }
    counts[i] += n;
  }

  /** Mean per minute over the rate window ending with {@code epochMinute}. */
  public synchronized double ratePerMinute(long epochMinute) {
    return sum(epochMinute - rateMinutes + 1, epochMinute) / rateMinutes;
  }

  /** Mean per minute over the baseline window just before the rate window. */
  public synchronized double baselinePerMinute(long epochMinute) {
    long end = epochMinute - rateMinutes;
    return sum(end - baselineMinutes + 1, end) / baselineMinutes;
  }

  /** Current rate over baseline; NaN while there is no baseline (nothing happened before the window). */
  public double ratio(long epochMinute) {
    double baseline = baselinePerMinute(epochMinute);
    return baseline == 0 ? Double.NaN : ratePerMinute(epochMinute) / baseline;
  }

  private double sum(long from, long to) {
    long total = 0;
    for (long m = from; m <= to; m++) {
      int i = (int) Math.floorMod(m, (long) counts.length);
      if (minutes[i] == m) {
        total += counts[i];
      }
    }
    return total;
  }
}
