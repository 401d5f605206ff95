package org.loyaltyengine.member;

import java.time.LocalDate;
import java.util.Map;

/** A member to enrol. Optional fields are null when absent. */
public record NewMember(String externalId, String email, String phone, String firstName, String lastName,
                        LocalDate birthDate, Map<String, String> attributes) {
  public NewMember {
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }
}
