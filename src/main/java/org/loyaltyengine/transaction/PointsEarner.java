package org.loyaltyengine.transaction;

import io.vertx.core.Future;
import org.loyaltyengine.fraud.FraudClient;
import org.loyaltyengine.fraud.FraudContext;
import org.loyaltyengine.ledger.Earning;
import org.loyaltyengine.ledger.LedgerReplies;
import org.loyaltyengine.ledger.LedgerRepository;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.member.MemberSnapshot;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.rules.Award;
import org.loyaltyengine.rules.CustomEvent;
import org.loyaltyengine.rules.EvaluationRequest;
import org.loyaltyengine.rules.MemberFacts;
import org.loyaltyengine.rules.Purchase;
import org.loyaltyengine.rules.RuleVerdict;
import org.loyaltyengine.rules.RulesClient;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tenant.TenantSettingsCache;
import org.loyaltyengine.tenant.TenantSettingsRepository;
import org.loyaltyengine.tier.TierRepository;
import org.loyaltyengine.tier.TierSet;
import org.loyaltyengine.tier.TierSetCache;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Turns a purchase or custom event into points: member and tenant policies from the caches, evaluation by
 * the rules worker, then one ledger statement that records the cause, the lots, the cap counters, the tier
 * upgrade and the outbox event together. A concurrent earning that moved a cap counter first makes the
 * statement fail as a whole; the earning is then evaluated again on fresh counters (a bounded number of
 * times), so caps are never exceeded and no point is counted twice.
 */
public final class PointsEarner {
  static final int MAX_ATTEMPTS = 8;

  private final TenantSettingsCache settingsCache;
  private final TenantSettingsRepository settings;
  private final TierSetCache tierCache;
  private final TierRepository tiers;
  private final MemberLookup members;
  private final RulesClient rules;
  private final LedgerRepository ledger;
  private final FraudClient fraud;

  public PointsEarner(TenantSettingsCache settingsCache, TenantSettingsRepository settings, TierSetCache tierCache,
                      TierRepository tiers, MemberLookup members, RulesClient rules,
                      LedgerRepository ledger, FraudClient fraud) {
    this.settingsCache = settingsCache;
    this.settings = settings;
    this.tierCache = tierCache;
    this.tiers = tiers;
    this.members = members;
    this.rules = rules;
    this.ledger = ledger;
    this.fraud = fraud;
  }

  /** Context shared by the attempts of one earning. */
  private record Setting(TenantSettings tenant, TierSet tiers, MemberSnapshot member) {
    MemberFacts facts() {
      return new MemberFacts(member.tierCode(), tiers.multiplierPercent(member.tierCode()), member.attributes());
    }
  }

  public Future<LedgerRepository.Outcome> earnPurchase(UUID tenantId, PurchaseJson.PurchaseRequest request,
                                                       FraudContext context) {
    Purchase p = request.purchase();
    String hash = org.loyaltyengine.http.RequestHash.of(PurchaseJson.canonical(request));
    String payload = PurchaseJson.items(p).encode();
    return replayOr(tenantId, "transaction", p.transactionId(), hash, "transactionId", () ->
        setting(tenantId, request.memberExternalId()).compose(s -> {
      if (!p.currency().equals(s.tenant.currency())) {
        return Future.failedFuture(new Rejection(Rejection.Kind.UNPROCESSABLE, "currency_mismatch",
            "this program runs in " + s.tenant.currency(), "currency"));
      }
      return attempt(s, 1, () -> new EvaluationRequest(tenantId, s.tenant.rulesVersion(), null, s.tenant.zone(),
              s.member.memberId(), s.facts(), p, null),
          verdict -> earning(s, verdict, "transaction", p.transactionId(), hash, p.occurredAt(), p.total(),
              p.currency(), p.channel(), p.storeId(), payload), context)
          .compose(o -> LedgerReplies.checkReplay(o, hash, "transactionId"))
          .compose(o -> afterPurchase(tenantId, request.memberExternalId(), p, o));
    }));
  }

  /**
   * Replays first: a request whose id was already applied gets its stored reply whatever changed since — the
   * member blocked, the rules or tiers changed, the points spent. When the tenant's fraud checks look at
   * earnings the stored reply is read before anything else (a new verdict could differ from the stored one);
   * otherwise the ledger answers a replay itself ({@code loyalty_apply_earnings} checks ids first), and a
   * request refused before reaching it (blocked member, ...) is checked against the stored replies before the
   * refusal is sent, so the happy path pays no extra query.
   */
  private Future<LedgerRepository.Outcome> replayOr(UUID tenantId, String causeType, String causeId, String hash,
                                                    String idField,
                                                    java.util.function.Supplier<Future<LedgerRepository.Outcome>> write) {
    return fraud.storedEarning(tenantId, causeType, causeId).compose(stored -> stored.isPresent()
        ? LedgerReplies.checkReplay(stored.get(), hash, idField)
        : write.get().recover(err -> err instanceof Rejection r && !"idempotency_conflict".equals(r.code())
            ? ledger.storedEarning(tenantId, causeType, causeId).compose(again -> again.isPresent()
                ? LedgerReplies.checkReplay(again.get(), hash, idField) : Future.failedFuture(err))
            : Future.failedFuture(err)));
  }

  public Future<LedgerRepository.Outcome> earnEvent(UUID tenantId, String memberExternalId, CustomEvent e) {
    String hash = org.loyaltyengine.http.RequestHash.of(PurchaseJson.canonical(memberExternalId, e));
    String payload = PurchaseJson.attributes(e).encode();
    return replayOr(tenantId, "event", e.eventId(), hash, "eventId", () -> setting(tenantId, memberExternalId).compose(s ->
        attempt(s, 1, () -> new EvaluationRequest(tenantId, s.tenant.rulesVersion(), null, s.tenant.zone(),
                s.member.memberId(), s.facts(), null, e),
            verdict -> earning(s, verdict, "event", e.eventId(), hash, e.occurredAt(), 0, s.tenant.currency(),
                e.type(), null, payload), FraudContext.none())
            .compose(o -> LedgerReplies.checkReplay(o, hash, "eventId"))
            // a custom event is no transaction: the history stays as it is
            .compose(o -> (o.created() ? members.refreshKeepingHistory(tenantId, memberExternalId)
                : members.refresh(tenantId, memberExternalId)).map(o))));
  }

  private Future<Setting> setting(UUID tenantId, String externalId) {
    return settingsCache.get(tenantId, settings::find).compose(t ->
        tierCache.get(tenantId, t.tiersVersion(), () -> tiers.find(tenantId, t.tiersVersion())).compose(tierSet ->
            members.find(tenantId, externalId).compose(m -> m.canEarn()
                ? Future.succeededFuture(new Setting(t, tierSet, m))
                : Future.failedFuture(new Rejection(Rejection.Kind.UNPROCESSABLE, "member_blocked",
                    "member \"" + externalId + "\" is blocked and cannot earn points", "memberExternalId")))));
  }

  private Future<LedgerRepository.Outcome> attempt(Setting s, int n, java.util.function.Supplier<EvaluationRequest> request,
                                                   java.util.function.Function<RuleVerdict, Earning> write,
                                                   FraudContext context) {
    // the fraud hook: checks the planned earning, then writes it as planned, held for review, or not at all
    return rules.evaluate(request.get())
        .compose(verdict -> fraud.earn(write.apply(verdict), context))
        .recover(err -> {
          boolean raced = LedgerRepository.isState(err, LedgerRepository.CAP_MOVED)
              || LedgerRepository.isState(err, LedgerRepository.BUDGET_MOVED);
          return raced && n < MAX_ATTEMPTS ? attempt(s, n + 1, request, write, context) : Future.failedFuture(err);
        });
  }

  private Earning earning(Setting s, RuleVerdict verdict, String causeType, String causeId, String hash,
                          Instant occurredAt, long total, String currency, String kindOrType, String storeId,
                          String payload) {
    TenantSettings t = s.tenant;
    // awards that share a release time share a lot
    Map<Instant, Long> byRelease = new TreeMap<>();
    List<Earning.Usage> usage = new ArrayList<>();
    List<Earning.Budget> budgets = new ArrayList<>();
    for (Award a : verdict.evaluation().breakdown()) {
      byRelease.merge(t.availableAt(occurredAt, a.pendingDays()), a.points(), Math::addExact);
      for (String window : a.capWindows()) {
        usage.add(new Earning.Usage(a.ruleId(), window, a.points(), verdict.capOf(a.ruleId(), window, occurredAt, t.zone())));
      }
      if (a.budgeted()) {
        budgets.add(new Earning.Budget(a.ruleId(), a.points(), verdict.budgetOf(a.ruleId())));
      }
    }
    List<Earning.Lot> lots = byRelease.entrySet().stream().map(e -> new Earning.Lot(e.getValue(), e.getKey())).toList();
    TierSet tierSet = s.tiers;
    return new Earning(t.tenantId(), s.member.memberId(), causeType, causeId, hash, occurredAt, total, currency,
        kindOrType, storeId, payload, lots, t.expiry().expiresAt(occurredAt, t.zone()),
        PurchaseJson.breakdown(verdict.evaluation()).encode(), usage, budgets,
        List.of(tierSet.codes()), List.of(tierSet.thresholds()), tierSet.windowDays());
  }

  /**
   * Stores the member's new document before the answer, so the next read anywhere shows the new balance. A
   * replay stores it too: its first attempt may have committed on a node that died before storing the document
   * (the client retries because it got no answer), and the retry is what brings the read model up to date.
   */
  private Future<LedgerRepository.Outcome> afterPurchase(UUID tenantId, String externalId, Purchase p,
                                                         LedgerRepository.Outcome o) {
    // A purchase written just now is added to the history the document holds (no read of the newest 50).
    HistoryPage.Entry added = o.created() && o.history() != null
        ? TransactionHistory.entry(o.history().seq(), p, o.result().getLong("pointsEarned", 0L))
        : null;
    return (added == null ? members.refresh(tenantId, externalId)
        : members.refreshAddingPurchase(tenantId, externalId, o.history().historyVersion(), added)).map(o);
  }
}
