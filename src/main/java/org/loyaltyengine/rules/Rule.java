package org.loyaltyengine.rules;

import java.util.Objects;

/**
 * One earning rule: when it applies ({@code trigger}, {@code conditions}), what it awards ({@code award}),
 * how it combines with the others ({@code priority}, {@code mode}, {@code stopAfter}) and how much it may
 * award ({@code caps}, {@code budget}).
 *
 * @param name        free text for people, or null
 * @param budget      the program-wide points budget, or null for none
 * @param pendingDays days the points stay pending, or null for the tenant's default
 */
public record Rule(String id, String name, Trigger trigger, int priority, Mode mode, boolean stopAfter,
                   Conditions conditions, AwardSpec award, Caps caps, Long budget, Integer pendingDays) {

  public Rule {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(conditions, "conditions");
    Objects.requireNonNull(award, "award");
    Objects.requireNonNull(caps, "caps");
  }

  public enum Trigger {
    PURCHASE("purchase"), EVENT("event");

    private final String wireName;

    Trigger(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    /** The trigger of that wire name, or null. */
    public static Trigger fromWire(String name) {
      for (Trigger t : values()) {
        if (t.wireName.equals(name)) {
          return t;
        }
      }
      return null;
    }
  }

  public enum Mode {
    /** Adds to whatever earlier rules awarded. */
    STACKABLE("stackable"),
    /** Awards only when no earlier rule awarded; when it awards, evaluation stops. */
    EXCLUSIVE("exclusive");

    private final String wireName;

    Mode(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    /** The mode of that wire name, or null. */
    public static Mode fromWire(String name) {
      for (Mode m : values()) {
        if (m.wireName.equals(name)) {
          return m;
        }
      }
      return null;
    }
  }
}
