package org.loyaltyengine.fraud;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.loyaltyengine.ledger.Earning;
import org.loyaltyengine.ledger.LedgerRepository;
import org.loyaltyengine.member.MemberLookup;
import org.loyaltyengine.platform.Rejection;
import org.loyaltyengine.reward.RedemptionRepository;

import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * The write path's side of the fraud checks. For a tenant with checks configured it answers a replay from
 * the stored reply first, asks a fraud worker ({@link FraudScreenClient}) for a verdict on the write about to happen, then refuses it ({@code 422 fraud_rejected}), writes it held for review, or
 * writes it as usual, always in one PostgreSQL transaction with its fraud signals. When no worker answers
 * in time or it fails, the tenant's {@code onFailure} decides: let the write through, or hold it. Tenants
 * without checks pay one cached lookup and nothing else.
 */
public final class FraudClient {
  private final FraudScreenClient screen;
  private final FraudRepository repository;
  private final LedgerRepository ledger;
  private final RedemptionRepository redemptions;
  private final MemberLookup members;
  private final FraudRates rates;
  private final Clock clock;

  public FraudClient(FraudScreenClient screen, FraudRepository repository, LedgerRepository ledger,
                     RedemptionRepository redemptions, MemberLookup members, FraudRates rates, Clock clock) {
    this.screen = screen;
    this.repository = repository;
    this.ledger = ledger;
    this.redemptions = redemptions;
    this.members = members;
    this.rates = rates;
    this.clock = clock;
  }

  private Future<FraudPolicy> policy(UUID tenantId) {
    return screen.policy(tenantId);
  }

  /**
   * The stored reply of an earning already written under this id, when the tenant's checks look at earnings
   * (a replay must get its original answer, not a new verdict); empty otherwise, and the ledger function
   * answers the replay itself.
   */
  public Future<java.util.Optional<LedgerRepository.Outcome>> storedEarning(UUID tenantId, String causeType,
                                                                             String causeId) {
    return policy(tenantId).compose(p -> p.covers(Attempt.Kind.EARNING)
        ? ledger.storedEarning(tenantId, causeType, causeId)
        : Future.succeededFuture(java.util.Optional.empty()));
  }

  /** Writes an earning after the checks: as planned, held for review, or not at all. */
  public Future<LedgerRepository.Outcome> earn(Earning e, FraudContext context) {
    return policy(e.tenantId()).compose(p -> {
      if (!p.covers(Attempt.Kind.EARNING)) {
        return counted(ledger.earn(e), e.tenantId());
      }
      long points = e.lots().stream().mapToLong(Earning.Lot::points).sum();
      Attempt a = new Attempt(Attempt.Kind.EARNING, e.tenantId(), e.memberId(), e.causeId(), points, clock.instant(),
          null, context);
      return screen.screen(p, a).compose(v -> switch (v.action()) {
        case REJECT -> Future.failedFuture(rejection(v, "earning"));
        case HOLD -> counted(repository.pool().withTransaction(conn -> ledger.earn(conn, held(e)).compose(o -> {
          if (!o.created()) {
            return Future.succeededFuture(o);
          }
          List<java.time.Instant> releaseAt = e.lots().stream().map(Earning.Lot::availableAt).toList();
          return repository.holdEarning(conn, e.tenantId(), e.memberId(), e.causeType(), e.causeId(), releaseAt,
                  v.findings(), e.usage(), e.budgets())
              .compose(result -> repository.signal(conn, a)
                  .map(x -> new LedgerRepository.Outcome(true, o.storedHash(), result, o.snapshotVersion())));
        })), e.tenantId());
        case ALLOW -> context.isEmpty() ? counted(ledger.earn(e), e.tenantId())
            : counted(repository.pool().withTransaction(conn -> ledger.earn(conn, e).compose(o -> o.created()
                ? repository.signal(conn, a).map(o) : Future.succeededFuture(o))), e.tenantId());
      });
    });
  }

  /** Redeems after the checks; answers a replay from the stored reply first. */
  public Future<RedemptionRepository.Redeemed> redeem(UUID tenantId, String redemptionId, String requestHash,
                                                      String memberExternalId, String rewardId, int quantity,
                                                      FraudContext context) {
    return policy(tenantId).compose(p -> {
      if (!p.covers(Attempt.Kind.REDEMPTION)) {
        return redeemed(redemptions.redeem(tenantId, redemptionId, requestHash, memberExternalId, rewardId, quantity),
            tenantId, rewardId);
      }
      return repository.storedRedemption(tenantId, redemptionId).compose(stored -> {
        if (stored.isPresent()) {
          return Future.succeededFuture(new RedemptionRepository.Redeemed(stored.get().outcome(),
              stored.get().memberExternalId()));
        }
        return members.find(tenantId, memberExternalId).compose(m -> {
          Attempt a = new Attempt(Attempt.Kind.REDEMPTION, tenantId, m.memberId(), redemptionId, 0, clock.instant(),
              rewardId, context);
          return screen.screen(p, a).compose(v -> {
            if (v.action() == FraudAction.REJECT) {
              return Future.failedFuture(rejection(v, "redemption"));
            }
            boolean hold = v.action() == FraudAction.HOLD;
            if (!hold && context.isEmpty()) {
              return redeemed(redemptions.redeem(tenantId, redemptionId, requestHash, memberExternalId, rewardId,
                  quantity), tenantId, rewardId);
            }
            return redeemed(repository.pool().withTransaction(conn -> redemptions.redeem(conn, tenantId, redemptionId,
                requestHash, memberExternalId, rewardId, quantity).compose(r -> {
                  if (!r.outcome().created()) {
                    return Future.succeededFuture(r);
                  }
                  Future<JsonObject> result = hold
                      ? repository.holdRedemption(conn, tenantId, redemptionId, v.findings())
                      : Future.succeededFuture(r.outcome().result());
                  return result.compose(res -> repository.signal(conn, a).map(x -> new RedemptionRepository.Redeemed(
                      new LedgerRepository.Outcome(true, r.outcome().storedHash(), res, r.outcome().snapshotVersion()),
                      r.memberExternalId())));
                })).recover(err -> RedemptionRepository.appliedConcurrently(err)
                    // a concurrent request with this id committed first: its stored reply is found first now
                    ? redeem(tenantId, redemptionId, requestHash, memberExternalId, rewardId, quantity, context)
                    : Future.failedFuture(err)), tenantId, rewardId);
          });
        });
      });
    });
  }

  /** The same earning with every lot pending and no release time: nothing is spendable until approved. */
  public static Earning held(Earning e) {
    List<Earning.Lot> lots = e.lots().stream().map(l -> new Earning.Lot(l.points(), FraudRepository.HELD_UNTIL)).toList();
    return new Earning(e.tenantId(), e.memberId(), e.causeType(), e.causeId(), e.requestHash(), e.occurredAt(),
        e.total(), e.currency(), e.kindOrType(), e.storeId(), e.payloadJson(), lots, e.expiresAt(), e.breakdownJson(),
        e.usage(), e.budgets(), e.tierCodes(), e.tierThresholds(), e.tierWindowDays());
  }

  /** The refusal of a write a check rejected: {@code 422 fraud_rejected} naming the check. */
  public static Rejection rejection(FraudVerdict v, String what) {
    Finding f = v.deciding();
    return new Rejection(Rejection.Kind.UNPROCESSABLE, "fraud_rejected",
        "fraud check \"" + f.check() + "\" refused this " + what + ": " + f.detail(), null);
  }

  private Future<LedgerRepository.Outcome> counted(Future<LedgerRepository.Outcome> write, UUID tenantId) {
    return write.onSuccess(o -> {
      if (o.created()) {
        rates.earned(tenantId);
      }
    });
  }

  private Future<RedemptionRepository.Redeemed> redeemed(Future<RedemptionRepository.Redeemed> write, UUID tenantId,
                                                         String rewardId) {
    return write.onSuccess(r -> {
      if (r.outcome().created()) {
        rates.redeemed(tenantId, rewardId);
      }
    });
  }
}
