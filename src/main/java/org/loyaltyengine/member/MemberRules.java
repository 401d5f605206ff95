package org.loyaltyengine.member;

import org.loyaltyengine.platform.Rejection;

import java.time.LocalDate;
import java.util.regex.Pattern;

/** Validation of member fields, shared by enrolment and profile changes. */
public final class MemberRules {
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");
  private static final Pattern PHONE = Pattern.compile("\\+?[0-9][0-9 ()\\-]{3,24}");
  private static final LocalDate EARLIEST_BIRTH_DATE = LocalDate.of(1900, 1, 1);

  private MemberRules() {}

  public static String externalId(String field, String value) {
    if (!isPlausibleExternalId(value)) {
      throw Rejection.invalid(field, field + " must be 1-64 characters of A-Z a-z 0-9 . _ : @ + -");
    }
    return value;
  }

  /** Ids in paths are checked with this before any lookup: what enrolment refuses cannot exist. */
  public static boolean isPlausibleExternalId(String value) {
    // 1-64 of A-Z a-z 0-9 . _ : @ + - : used in URL paths, so kept to characters that never need escaping trouble
    // (a loop, not a regular expression: every member read checks its path with it)
    if (value == null || value.isEmpty() || value.length() > 64) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == ':' || c == '@' || c == '+' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
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
