package org.loyaltyengine.rules;

import java.time.LocalTime;
import java.util.Objects;

/**
 * Local times of day, {@code from} inclusive, {@code to} exclusive. When {@code to} is before {@code from} the
 * window runs overnight: 22:00-02:00 holds 23:15 and 01:59 but not 02:00.
 */
public record HourWindow(LocalTime from, LocalTime to) {
  public HourWindow {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (from.equals(to)) {
      throw new IllegalArgumentException("an hour window needs from != to");
    }
  }

  public boolean overnight() {
    return to.isBefore(from);
  }

  public boolean contains(LocalTime time) {
    return overnight()
        ? !time.isBefore(from) || time.isBefore(to)
        : !time.isBefore(from) && time.isBefore(to);
  }
}
