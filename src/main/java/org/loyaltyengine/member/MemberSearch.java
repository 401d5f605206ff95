package org.loyaltyengine.member;

import org.loyaltyengine.platform.Rejection;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The filters of {@code GET /v1/members}, each optional and combined with AND: an e-mail (case-insensitive),
 * a phone number (its digits: spaces, dashes, brackets and {@code +} are ignored), an external id prefix, a
 * status and a tier code. {@code after} is the external id the page starts after (from the cursor).
 */
public record MemberSearch(String email, String phoneDigits, String externalIdPrefix, MemberStatus status,
                           String tier, String after, int limit) {
  private static final Pattern TIER = Pattern.compile("[A-Za-z0-9_\\-]{1,32}");
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:@+\\-]{1,64}");

  /** The checked filters; each {@code raw*} is the query parameter's text or null when absent. */
  public static MemberSearch of(String rawEmail, String rawPhone, String rawPrefix, String rawStatus, String rawTier,
                                String after, int limit) {
    String email = blankToNull(rawEmail);
    if (email != null && (email.length() > 254 || email.indexOf('@') < 1)) {
      throw invalid("email", "email must be an e-mail address");
    }
    String phone = blankToNull(rawPhone);
    String digits = phone == null ? null : phone.replaceAll("[^0-9]", "");
    if (phone != null && (digits.length() < 4 || digits.length() > 25 || !phone.matches("[0-9 ()+\\-]{4,40}"))) {
      throw invalid("phone", "phone must be a phone number such as +48 600 100 200");
    }
    String prefix = blankToNull(rawPrefix);
    if (prefix != null && !PREFIX.matcher(prefix).matches()) {
      throw invalid("externalIdPrefix", "externalIdPrefix must be 1-64 characters of A-Z a-z 0-9 . _ : @ + -");
    }
    String statusText = blankToNull(rawStatus);
    MemberStatus status = null;
    if (statusText != null) {
      try {
        status = MemberStatus.parse("status", statusText);
      } catch (Rejection e) {
        throw invalid("status", "status must be active or blocked");
      }
    }
    String tier = blankToNull(rawTier);
    if (tier != null && !TIER.matcher(tier).matches()) {
      throw invalid("tier", "tier must be a tier code");
    }
    return new MemberSearch(email == null ? null : email.toLowerCase(Locale.ROOT), digits, prefix, status, tier,
        after, limit);
  }

  /**
   * The exclusive upper end of the external ids starting with {@code prefix}, in byte order: every character
   * an external id may hold sorts below {@code ~}.
   */
  public String prefixEnd() {
    return externalIdPrefix + "~";
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static Rejection invalid(String field, String message) {
    return new Rejection(Rejection.Kind.INVALID, "invalid_query", message, field);
  }
}
