package org.loyaltyengine.rules;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Purchases, events and members for tests, with quiet defaults: UTC, no tier, no caps used. */
final class Facts {
  static final ZoneId UTC = ZoneId.of("UTC");
  static final ZoneId WARSAW = ZoneId.of("Europe/Warsaw");
  /** A Wednesday. */
  static final Instant NOON = Instant.parse("2026-03-04T12:00:00Z");
  static final EarningContext PLAIN = context(MemberFacts.plain());

  private Facts() {}

  static LineItem line(String sku, String category, long amount, String... labels) {
    return new LineItem(sku, category, 1, amount, Set.of(labels));
  }

  static Purchase purchase(long total, LineItem... lines) {
    return purchase(NOON, total, lines);
  }

  static Purchase purchase(Instant at, long total, LineItem... lines) {
    return new Purchase("tx-1", at, total, "EUR", "store", "store-12", List.of(lines));
  }

  static Purchase purchaseVia(String channel, String storeId, long total) {
    return new Purchase("tx-1", NOON, total, "EUR", channel, storeId, List.of(line("SKU-1", "grocery", total)));
  }

  static CustomEvent event(String type, Map<String, String> attributes) {
    return new CustomEvent("ev-1", type, NOON, attributes);
  }

  static EarningContext context(MemberFacts member) {
    return new EarningContext(UTC, member, CapUsage.none());
  }

  static EarningContext inZone(ZoneId zone) {
    return new EarningContext(zone, MemberFacts.plain(), CapUsage.none());
  }

  static EarningContext withUsage(ZoneId zone, CapUsage usage) {
    return new EarningContext(zone, MemberFacts.plain(), usage);
  }

  static long points(CompiledRuleSet rules, Purchase purchase) {
    return rules.evaluatePurchase(purchase, PLAIN).points();
  }
}
