package org.loyaltyengine.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-member caps on the points one rule awards in each window ({@link CapWindows}); null = no cap there.
 */
public record Caps(Long day, Long week, Long month, Long lifetime) {
  public static final Caps NONE = new Caps(null, null, null, null);

  public Caps {
    for (Long cap : new Long[] {day, week, month, lifetime}) {
      if (cap != null && cap < 1) {
        throw new IllegalArgumentException("caps are positive");
      }
    }
  }

  public boolean isEmpty() {
    return day == null && week == null && month == null && lifetime == null;
  }

  /** The keys, among {@code keys}, of the windows this rule is capped in. */
  public List<String> windowKeys(CapWindows.Keys keys) {
    List<String> out = new ArrayList<>(4);
    if (day != null) {
      out.add(keys.day());
    }
    if (week != null) {
      out.add(keys.week());
    }
    if (month != null) {
      out.add(keys.month());
    }
    if (lifetime != null) {
      out.add(keys.lifetime());
    }
    return List.copyOf(out);
  }
}
