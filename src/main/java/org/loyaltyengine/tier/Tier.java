package org.loyaltyengine.tier;

/**
 * One tier: reached with {@code threshold} qualifying points; earning rules may apply its multiplier
 * ({@code multiplierPercent}, 100 = x1).
 */
public record Tier(String code, String name, long threshold, int multiplierPercent) {}
