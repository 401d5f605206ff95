package org.loyaltyengine.member;

import java.time.LocalDate;
import java.util.Map;

/**
 * A partial update: each {@link Change} says whether the field was sent, and its new value (null clears
 * it). Attributes, when sent, replace the whole map.
 */
public record MemberChanges(Change<String> email, Change<String> phone, Change<String> firstName,
                            Change<String> lastName, Change<LocalDate> birthDate,
                            Change<Map<String, String>> attributes, Change<MemberStatus> status) {

  public record Change<T>(boolean present, T value) {
    private static final Change<?> NONE = new Change<>(false, null);

    @SuppressWarnings("unchecked")
    public static <T> Change<T> none() {
      return (Change<T>) NONE;
    }

    public static <T> Change<T> to(T value) {
      return new Change<>(true, value);
    }
  }

  public boolean isEmpty() {
    return !email.present && !phone.present && !firstName.present && !lastName.present && !birthDate.present
        && !attributes.present && !status.present;
  }
}
