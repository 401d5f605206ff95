package org.loyaltyengine.rules;

import java.time.ZoneId;
import java.util.Objects;

/**
 * Everything besides the fact itself that an evaluation depends on.
 *
 * @param tenantZone the tenant's time zone: weekdays, hours and cap windows are local to it
 * @param usage      points already awarded against capped and budgeted rules
 */
public record EarningContext(ZoneId tenantZone, MemberFacts member, CapUsage usage) {
  public EarningContext {
    Objects.requireNonNull(tenantZone, "tenantZone");
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(usage, "usage");
  }
}
