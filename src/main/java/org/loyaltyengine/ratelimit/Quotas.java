package org.loyaltyengine.ratelimit;

/**
 * The overrides that apply to one API key: its own and its tenant's, each null when the configured default
 * applies. Loaded with the key (and cached with it), so checking a request costs no extra read.
 */
public record Quotas(Quota key, Quota tenant) {
  public static final Quotas NONE = new Quotas(null, null);

  public Quota keyOr(Quota fallback) {
    return key != null ? key : fallback;
  }

  public Quota tenantOr(Quota fallback) {
    return tenant != null ? tenant : fallback;
  }
}
