package org.loyaltyengine.analytics;

import java.time.LocalDate;

/**
 * One day of a tenant's daily report.
 *
 * @param activeMembers distinct members who earned, returned or redeemed that day
 * @param liability     points members held at the end of the day
 */
public record DayReport(LocalDate day, DailyFigures figures, long activeMembers, long liability) {}
