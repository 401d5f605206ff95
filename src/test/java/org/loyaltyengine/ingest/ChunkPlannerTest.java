package org.loyaltyengine.ingest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.ledger.Earning;
import org.loyaltyengine.rules.CompiledRuleSet;
import org.loyaltyengine.rules.CustomEvent;
import org.loyaltyengine.rules.LineItem;
import org.loyaltyengine.rules.Purchase;
import org.loyaltyengine.rules.RuleSetJson;
import org.loyaltyengine.tenant.ExpiryPolicy;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tier.Tier;
import org.loyaltyengine.tier.TierSet;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pure: the decisions the worker makes for a chunk, before anything is written. */
@DisplayName("Chunk planning")
class ChunkPlannerTest {
  static final UUID TENANT = UUID.randomUUID();
  static final ZoneId ZONE = ZoneId.of("Europe/Warsaw");
  static final Instant AT = Instant.parse("2026-11-18T10:00:00Z"); // a Wednesday
  static final TenantSettings SETTINGS = new TenantSettings(TENANT, ZONE, "EUR", 0, ExpiryPolicy.NEVER, 1, 0);

  private int seq;

  /** 1 point per EUR on purchases; 4 points per login, at most 10 a day; 6 per review from a budget of 10. */
  static CompiledRuleSet rules() {
    return CompiledRuleSet.compile(RuleSetJson.parse(new JsonObject().put("rules", new JsonArray()
        .add(new JsonObject().put("id", "base").put("trigger", "purchase")
            .put("award", new JsonObject().put("type", "per_spend").put("points", 1).put("perAmount", 100)))
        .add(new JsonObject().put("id", "login").put("trigger", "event")
            .put("conditions", new JsonObject().put("eventType", "app_login"))
            .put("award", new JsonObject().put("type", "fixed").put("points", 4))
            .put("caps", new JsonObject().put("day", 10)))
        .add(new JsonObject().put("id", "review").put("trigger", "event")
            .put("conditions", new JsonObject().put("eventType", "review"))
            .put("award", new JsonObject().put("type", "fixed").put("points", 6)).put("budget", 10))
        .add(new JsonObject().put("id", "gold-login").put("trigger", "event")
            .put("conditions", new JsonObject().put("eventType", "app_login").put("tiers", new JsonArray().add("gold")))
            .put("award", new JsonObject().put("type", "fixed").put("points", 50))))));
  }

  static final TierSet TIERS = new TierSet(null, List.of(new Tier("gold", "Gold", 100, 100)));

  static MemberState member(long id, String externalId) {
    return new MemberState(id, externalId, true, null, Map.of(), 0);
  }

  InboxItem purchase(String id, String member, long total) {
    return new InboxItem(1, seq++, AT, TENANT, ItemKind.TRANSACTION, id, member, "hash-" + id + "-" + total,
        new Purchase(id, AT, total, "EUR", null, null, List.of(new LineItem("A", null, 1, total, Set.of()))), null);
  }

  InboxItem event(String id, String member, String type) {
    return new InboxItem(1, seq++, AT, TENANT, ItemKind.EVENT, id, member, "hash-" + id,
        null, new CustomEvent(id, type, AT, Map.of()));
  }

  static ChunkFacts facts(List<MemberState> members, Map<String, String> transactions,
                          Map<Long, Map<String, Map<String, Long>>> usage, Map<String, Long> budgets) {
    Map<String, MemberState> byId = new HashMap<>();
    members.forEach(m -> byId.put(m.externalId(), m));
    return new ChunkFacts(SETTINGS, TIERS, rules(), byId, transactions, Map.of(), usage, budgets);
  }

  static List<String> earned(ChunkPlan plan) {
    List<String> out = new ArrayList<>();
    plan.earnings().forEach(e -> out.add(e.item().itemId() + ":" + e.evaluation().points()));
    return out;
  }

  static List<String> settled(ChunkPlan plan) {
    List<String> out = new ArrayList<>();
    plan.settled().forEach(s -> out.add(s.item().seq() + ":" + s.status().wireName()
        + (s.code() == null ? "" : ":" + s.code() + ":" + s.field())));
    return out;
  }

  @Test
  @DisplayName("unknown member, blocked member and another currency fail with the synchronous API's codes and fields")
  void refusals() {
    MemberState blocked = new MemberState(2, "blocked", false, null, Map.of(), 0);
    List<InboxItem> items = List.of(purchase("t1", "ghost", 100), purchase("t2", "blocked", 100),
        new InboxItem(1, seq++, AT, TENANT, ItemKind.TRANSACTION, "t3", "anna", "h",
            new Purchase("t3", AT, 100, "USD", null, null, List.of()), null),
        purchase("t4", "anna", 250));
    ChunkPlan plan = ChunkPlanner.plan(items, facts(List.of(member(1, "anna"), blocked), Map.of(), Map.of(), Map.of()));
    assertEquals(List.of("0:failed:member_not_found:memberExternalId", "1:failed:member_blocked:memberExternalId",
        "2:failed:currency_mismatch:currency"), settled(plan));
    assertEquals(List.of("t4:2"), earned(plan));
  }

  @Test
  @DisplayName("an id already taken is a duplicate with the same fingerprint and a conflict with another, also within the chunk")
  void takenIds() {
    List<InboxItem> items = List.of(purchase("old", "anna", 100), purchase("old", "anna", 999), purchase("t1", "anna", 500),
        purchase("t1", "anna", 500), purchase("t1", "anna", 700));
    ChunkPlan plan = ChunkPlanner.plan(items,
        facts(List.of(member(1, "anna")), Map.of("old", "hash-old-100"), Map.of(), Map.of()));
    assertEquals(List.of("0:duplicate", "1:failed:idempotency_conflict:transactionId", "3:duplicate",
        "4:failed:idempotency_conflict:transactionId"), settled(plan));
    assertEquals(List.of("t1:5"), earned(plan));
  }

  @Test
  @DisplayName("a cap holds across a member's items in the chunk, on top of what was counted before it")
  void capsCarryOver() {
    String day = "day:2026-11-18";
    List<InboxItem> items = List.of(event("l1", "anna", "app_login"), event("l2", "anna", "app_login"),
        event("l3", "anna", "app_login"), event("b1", "bob", "app_login"));
    ChunkPlan plan = ChunkPlanner.plan(items, facts(List.of(member(1, "anna"), member(2, "bob")), Map.of(),
        Map.of(1L, Map.of("login", Map.of(day, 3L))), Map.of()));
    assertEquals(List.of("l1:4", "l2:3", "b1:4"), earned(plan).stream().filter(s -> !s.endsWith(":0")).toList());
    assertEquals(List.of(new ChunkPlan.CounterGrowth(1, "login", day, 7, 10), new ChunkPlan.CounterGrowth(2, "login", day, 4, 10)),
        plan.usage(), "one growth per counter, summed over the chunk, in member order");
  }

  @Test
  @DisplayName("a program budget is shared by every member's items in the chunk")
  void budgetsCarryOver() {
    List<InboxItem> items = List.of(event("r1", "anna", "review"), event("r2", "bob", "review"),
        event("r3", "anna", "review"));
    ChunkPlan plan = ChunkPlanner.plan(items, facts(List.of(member(1, "anna"), member(2, "bob")), Map.of(),
        Map.of(), Map.of("review", 2L)));
    assertEquals(List.of("r1:6", "r2:2", "r3:0"), earned(plan));
    assertEquals(List.of(new Earning.Budget("review", 8, 10)), plan.budgets());
  }

  @Test
  @DisplayName("an earning that crosses a tier threshold lifts the member for their next items in the chunk")
  void tierLiftsLaterItems() {
    List<InboxItem> items = List.of(event("l1", "anna", "app_login"), purchase("t1", "anna", 10_000),
        event("l2", "anna", "app_login"), event("l3", "bob", "app_login"));
    ChunkPlan plan = ChunkPlanner.plan(items, facts(List.of(member(1, "anna"), member(2, "bob")), Map.of(),
        Map.of(), Map.of()));
    assertEquals(List.of("l1:4", "t1:100", "l2:54", "l3:4"), earned(plan), "only anna reached gold");
  }

  @Test
  @DisplayName("awards are grouped into lots by the time they become available, and the expiry follows the policy")
  void lotsAndExpiry() {
    TenantSettings pending = new TenantSettings(TENANT, ZONE, "EUR", 14,
        new ExpiryPolicy(ExpiryPolicy.Kind.AFTER_DAYS, 30), 1, 0);
    Map<String, MemberState> members = Map.of("anna", member(1, "anna"));
    ChunkFacts f = new ChunkFacts(pending, TierSet.NONE, rules(), members, Map.of(), Map.of(), Map.of(), Map.of());
    ChunkPlan plan = ChunkPlanner.plan(List.of(purchase("t1", "anna", 1_234)), f);
    ChunkPlan.PlannedEarning e = plan.earnings().get(0);
    assertEquals(List.of(new Earning.Lot(12, pending.availableAt(AT, null))), e.lots());
    assertEquals(pending.expiry().expiresAt(AT, ZONE), e.expiresAt());
  }

  @Test
  @DisplayName("a settled item consumes nothing: a duplicate's awards neither grow caps nor lift tiers")
  void settledItemsConsumeNothing() {
    List<InboxItem> items = List.of(event("seen", "anna", "app_login"), event("l1", "anna", "app_login"));
    ChunkFacts f = new ChunkFacts(SETTINGS, TIERS, rules(), Map.of("anna", member(1, "anna")), Map.of(),
        Map.of("seen", "hash-seen"), Map.of(), Map.of());
    ChunkPlan plan = ChunkPlanner.plan(items, f);
    assertEquals(List.of("0:duplicate"), settled(plan));
    assertEquals(List.of("l1:4"), earned(plan));
    assertEquals(4, plan.usage().get(0).points());
  }

  static org.loyaltyengine.fraud.FraudVerdict verdict(org.loyaltyengine.fraud.FraudAction action) {
    return org.loyaltyengine.fraud.FraudVerdict.of(List.of(
        new org.loyaltyengine.fraud.Finding("points_per_transaction", action, "too many points")));
  }

  @Test
  @DisplayName("a rejected item fails fraud_rejected and consumes nothing: its id stays free, caps and tiers untouched")
  void rejectedItemConsumesNothing() {
    InboxItem login = event("l1", "anna", "app_login");
    InboxItem big = purchase("t1", "anna", 10_000);
    List<InboxItem> items = List.of(login, big, event("l2", "anna", "app_login"), purchase("t1", "anna", 10_000));
    ChunkPlan plan = ChunkPlanner.plan(items, facts(List.of(member(1, "anna")), Map.of(), Map.of(), Map.of()),
        Map.of(big.key(), verdict(org.loyaltyengine.fraud.FraudAction.REJECT)));
    assertEquals(List.of("1:failed:fraud_rejected:null"), settled(plan));
    assertEquals(List.of("l1:4", "l2:4", "t1:100"), earned(plan),
        "no gold multiplier for l2 (the rejected purchase lifted nothing); the same id later is planned afresh");
  }

  @Test
  @DisplayName("a held item grows its counters (it keeps its place under the caps) but lifts no tier until approved")
  void heldItemKeepsCapsButLiftsNoTier() {
    InboxItem login = event("l1", "anna", "app_login");
    InboxItem big = purchase("t1", "anna", 10_000);
    List<InboxItem> items = List.of(login, big, event("l2", "anna", "app_login"));
    ChunkPlan plan = ChunkPlanner.plan(items, facts(List.of(member(1, "anna")), Map.of(), Map.of(), Map.of()),
        Map.of(big.key(), verdict(org.loyaltyengine.fraud.FraudAction.HOLD)));
    assertEquals(List.of("l1:4", "t1:100", "l2:4"), earned(plan), "anna is not gold while her purchase is held");
    ChunkPlan.PlannedEarning held = plan.earnings().get(1);
    assertEquals("points_per_transaction", held.hold().findings().get(0).check());
    assertEquals(null, plan.earnings().get(0).hold());
    assertEquals(8, plan.usage().get(0).points(), "the logins' day cap counter, summed");
  }
}
