package org.loyaltyengine.tenant;

import org.loyaltyengine.platform.Rejection;

import java.util.Set;

/** An API key to create: a label and at least one scope. */
public record ApiKeyDraft(String name, Set<Scope> scopes) {
  public ApiKeyDraft {
    if (name.isBlank() || name.length() > 100) {
      throw Rejection.invalid("name", "name must be 1-100 characters");
    }
    if (scopes.isEmpty()) {
      throw Rejection.invalid("scopes", "at least one scope is required");
    }
    scopes = Set.copyOf(scopes);
  }
}
