package org.loyaltyengine.member;

import org.loyaltyengine.platform.Rejection;

import java.time.LocalDate;
import java.util.regex.Pattern;

/** Validation of member fields, shared by enrolment and profile changes. */
public final class MemberRules {
  /** Used in URL paths, so kept to characters that never need escaping trouble. */
  private static final Pattern EXTERNAL_ID = Pattern.compile("[A-Za-z0-9._:@+\\-]{1,64}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");
  private static final Pattern PHONE = Pattern.compile("\\+?[0-9][0-9 ()\\-]{3,24}");
  private static final LocalDate EARLIEST_BIRTH_DATE = LocalDate.of(1900, 1, 1);

  private MemberRules() {}

  public static String externalId(String field, String value) {
    if (!EXTERNAL_ID.matcher(value).matches()) {
      throw Rejection.invalid(field, field + " must be 1-64 characters of A-Z a-z 0-9 . _ : @ + -");
    }
    return value;
  }

  /** Ids in paths are checked with this before any lookup: what enrolment refuses cannot exist. */
  public static boolean isPlausibleExternalId(String value) {
    return value != null && EXTERNAL_ID.matcher(value).matches();
  }

  public static String email(String value) {
    if (value != null && (value.length() > 254 || !EMAIL.matcher(value).matches())) {
      throw Rejection.invalid("email", "email must be an e-mail address");
    }
    return value;
  }

  public static String phone(String value) {
    if (value != null && !PHONE.matcher(value).matches()) {
      throw Rejection.invalid("phone", "phone must be a phone number such as +48 600 100 200");
    }
    return value;
  }

  public static LocalDate birthDate(LocalDate value, LocalDate today) {
    if (value != null && (value.isBefore(EARLIEST_BIRTH_DATE) || value.isAfter(today))) {
      throw Rejection.invalid("birthDate", "birthDate must be between 1900-01-01 and today");
    }
    return value;
  }
}
