package org.loyaltyengine.tenant;

import org.loyaltyengine.platform.Rejection;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Currency;

/** A tenant to create, validated: a name, an IANA time zone and an ISO 4217 currency. */
public record TenantDraft(String name, String timezone, String currency) {

  public TenantDraft {
    if (name.isBlank() || name.length() > 100) {
      throw Rejection.invalid("name", "name must be 1-100 characters");
    }
    try {
      ZoneId.of(timezone);
    } catch (DateTimeException e) {
      throw Rejection.invalid("timezone", "unknown time zone \"" + timezone + "\"; use an IANA name such as Europe/Warsaw");
    }
    try {
      if (currency.length() != 3) {
        throw new IllegalArgumentException();
      }
      Currency.getInstance(currency);
    } catch (IllegalArgumentException e) {
      throw Rejection.invalid("currency", "unknown currency \"" + currency + "\"; use an ISO 4217 code such as EUR");
    }
  }
}
