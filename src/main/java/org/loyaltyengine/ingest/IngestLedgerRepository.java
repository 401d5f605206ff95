package org.loyaltyengine.ingest;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.fraud.FraudClient;
import org.loyaltyengine.ledger.Earning;
import org.loyaltyengine.ledger.EarningBatch;
import org.loyaltyengine.ledger.LedgerRepository;
import org.loyaltyengine.rules.CapWindows;
import org.loyaltyengine.rules.CompiledRuleSet;
import org.loyaltyengine.rules.Purchase;
import org.loyaltyengine.tenant.TenantSettings;
import org.loyaltyengine.tier.TierSet;
import org.loyaltyengine.transaction.PurchaseJson;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The ledger side of asynchronous ingestion: what a chunk's evaluation must read (members, ids already taken,
 * cap and budget counters), each as one set-based query for the whole chunk, and the chunk's application
 * through {@code loyalty_ingest_apply} (V8) in one statement. Everything runs on the connection it is given:
 * the worker's partition lease connection.
 */
public final class IngestLedgerRepository {
  // Qualifying points: loyalty_qualifying_of (R__earning.sql), as every reader computes them.
  private static final String MEMBERS = """
      select m.id, m.external_id, m.status, m.tier_code, m.attributes, coalesce(q.points, 0) as qualifying_points
        from members m join member_balances b on b.member_id = m.id
        left join\s""" + org.loyaltyengine.member.MemberRepository.QUALIFYING_OF_MEMBERS + """
       q on q.member_id = m.id
       where m.tenant_id = $1 and m.external_id = any($2)""";
  private static final String TRANSACTIONS =
      "select transaction_id as id, request_hash from transactions where tenant_id = $1 and transaction_id = any($2)";
  private static final String EVENTS =
      "select event_id as id, request_hash from member_events where tenant_id = $1 and event_id = any($2)";
  private static final String USAGE = """
      select u.member_id, u.rule_id, u.window_key, u.points
        from rule_usage u join members m on m.id = u.member_id
       where m.tenant_id = $1 and m.external_id = any($2) and u.rule_id = any($3) and u.window_key = any($4)""";
  private static final String BUDGETS = "select rule_id, spent from rule_budgets where tenant_id = $1 and rule_id = any($2)";
  // $1-$27: loyalty_apply_earnings's arguments (LedgerRepository.applyArgs); $28-$30 the earnings' inbox items;
  // $31-$37 the items settled without earning
  private static final String APPLY = "select * from loyalty_ingest_apply($1, $28, $29, $30, $2, $3, $4, $5, $6, $7, "
      + "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $31, "
      + "$32, $33, $34, $35, $36, $37)";

  /** A member whose snapshot changed, and the version to fence its cached reads at. */
  public record Fence(String externalId, long snapshotVersion) {}

  /**
   * What a chunk's statement wrote: the members it changed, and its purchases as items of their members'
   * stored histories (by external id: see {@code MemberLookup.refreshAddingPurchases}).
   */
  public record Applied(List<Fence> fences, Map<String, List<org.loyaltyengine.member.MemberLookup.Added>> purchases) {}

  /**
   * Reads what evaluating {@code items} (all of {@code tenant}) depends on, with queries pipelined on
   * {@code connection}.
   */
  public Future<ChunkFacts> facts(SqlClient connection, TenantSettings tenant, TierSet tiers, CompiledRuleSet rules,
                                  List<InboxItem> items) {
    UUID tenantId = tenant.tenantId();
    Set<String> members = new LinkedHashSet<>();
    List<String> transactionIds = new ArrayList<>();
    List<String> eventIds = new ArrayList<>();
    Set<String> windows = new LinkedHashSet<>();
    for (InboxItem item : items) {
      members.add(item.memberExternalId());
      (item.kind() == ItemKind.TRANSACTION ? transactionIds : eventIds).add(item.itemId());
      if (rules.hasCaps()) {
        windows.addAll(CapWindows.keys(item.occurredAt(), tenant.zone()).all());
      }
    }
    String[] memberIds = members.toArray(String[]::new);
    Integer window = tiers.tiers().isEmpty() ? null : tiers.windowDays();
    Future<Map<String, MemberState>> memberStates = connection.preparedQuery(MEMBERS)
        .execute(Tuple.tuple().addUUID(tenantId).addArrayOfString(memberIds).addInteger(window))
        .map(IngestLedgerRepository::members);
    Future<Map<String, String>> transactions = transactionIds.isEmpty() ? Future.succeededFuture(Map.of())
        : connection.preparedQuery(TRANSACTIONS).execute(Tuple.tuple().addUUID(tenantId)
            .addArrayOfString(transactionIds.toArray(String[]::new))).map(IngestLedgerRepository::hashes);
    Future<Map<String, String>> events = eventIds.isEmpty() ? Future.succeededFuture(Map.of())
        : connection.preparedQuery(EVENTS).execute(Tuple.tuple().addUUID(tenantId)
            .addArrayOfString(eventIds.toArray(String[]::new))).map(IngestLedgerRepository::hashes);
    Future<Map<Long, Map<String, Map<String, Long>>>> usage = !rules.hasCaps() ? Future.succeededFuture(Map.of())
        : connection.preparedQuery(USAGE).execute(Tuple.tuple().addUUID(tenantId).addArrayOfString(memberIds)
            .addArrayOfString(rules.cappedRuleIds().toArray(String[]::new))
            .addArrayOfString(windows.toArray(String[]::new))).map(rows -> {
              Map<Long, Map<String, Map<String, Long>>> out = new HashMap<>();
              for (Row r : rows) {
                out.computeIfAbsent(r.getLong("member_id"), k -> new HashMap<>())
                    .computeIfAbsent(r.getString("rule_id"), k -> new HashMap<>())
                    .put(r.getString("window_key"), r.getLong("points"));
              }
              return out;
            });
    Future<Map<String, Long>> budgets = !rules.hasBudgets() ? Future.succeededFuture(Map.of())
        : connection.preparedQuery(BUDGETS).execute(Tuple.tuple().addUUID(tenantId)
            .addArrayOfString(rules.budgetedRuleIds().toArray(String[]::new))).map(rows -> {
              Map<String, Long> out = new HashMap<>();
              for (Row r : rows) {
                out.put(r.getString("rule_id"), r.getLong("spent"));
              }
              return out;
            });
    return Future.all(memberStates, transactions, events, usage, budgets).map(done -> new ChunkFacts(tenant, tiers,
        rules, memberStates.result(), transactions.result(), events.result(), usage.result(), budgets.result()));
  }

  private static Map<String, MemberState> members(RowSet<Row> rows) {
    Map<String, MemberState> out = new HashMap<>();
    for (Row r : rows) {
      JsonObject attrs = (JsonObject) r.getValue("attributes");
      Map<String, String> attributes = new LinkedHashMap<>();
      if (attrs != null) {
        attrs.forEach(e -> attributes.put(e.getKey(), String.valueOf(e.getValue())));
      }
      out.put(r.getString("external_id"), new MemberState(r.getLong("id"), r.getString("external_id"),
          "active".equals(r.getString("status")), r.getString("tier_code"), attributes,
          r.getLong("qualifying_points")));
    }
    return out;
  }

  private static Map<String, String> hashes(RowSet<Row> rows) {
    Map<String, String> out = new HashMap<>();
    for (Row r : rows) {
      out.put(r.getString("id"), r.getString("request_hash"));
    }
    return out;
  }

  /**
   * Applies the plan in one statement on {@code connection} (the caller owns the transaction around it) and
   * returns the members whose snapshots changed.
   */
  public Future<Applied> apply(SqlClient connection, UUID tenantId, String currency, TierSet tiers, ChunkPlan plan) {
    List<ChunkPlan.PlannedEarning> planned = plan.earnings();
    List<Earning> earnings = new ArrayList<>(planned.size());
    Long[] batches = new Long[planned.size()];
    Integer[] seqs = new Integer[planned.size()];
    OffsetDateTime[] created = new OffsetDateTime[planned.size()];
    for (int i = 0; i < planned.size(); i++) {
      ChunkPlan.PlannedEarning e = planned.get(i);
      InboxItem item = e.item();
      batches[i] = item.batch();
      seqs[i] = item.seq();
      created[i] = utc(item.createdAt());
      earnings.add(earning(tenantId, currency, tiers, e));
    }
    EarningBatch batch = new EarningBatch(tenantId, earnings,
        plan.usage().stream().map(u -> new EarningBatch.Counter(u.memberId(), u.ruleId(), u.windowKey(), u.points(),
            u.cap())).toList(),
        plan.budgets(), List.of(tiers.codes()), List.of(tiers.thresholds()), tiers.windowDays());
    List<ChunkPlan.SettledItem> done = plan.settled();
    Tuple args = LedgerRepository.applyArgs(batch);
    args.addArrayOfLong(batches).addArrayOfInteger(seqs).addArrayOfOffsetDateTime(created)
        .addArrayOfLong(done.stream().map(d -> d.item().batch()).toArray(Long[]::new))
        .addArrayOfInteger(done.stream().map(d -> d.item().seq()).toArray(Integer[]::new))
        .addArrayOfOffsetDateTime(done.stream().map(d -> utc(d.item().createdAt())).toArray(OffsetDateTime[]::new))
        .addArrayOfString(done.stream().map(d -> d.status().wireName()).toArray(String[]::new))
        .addArrayOfString(done.stream().map(ChunkPlan.SettledItem::code).toArray(String[]::new))
        .addArrayOfString(done.stream().map(ChunkPlan.SettledItem::message).toArray(String[]::new))
        .addArrayOfString(done.stream().map(ChunkPlan.SettledItem::field).toArray(String[]::new));
    return connection.preparedQuery(APPLY).execute(args).map(rows -> {
      Map<String, Long> versions = new LinkedHashMap<>();
      Map<String, List<org.loyaltyengine.member.MemberLookup.Added>> purchases = new HashMap<>();
      for (Row r : rows) {
        String member = r.getString("external_id");
        versions.merge(member, r.getLong("snapshot_version"), Math::max);
        Long seq = r.getLong("seq");
        Long history = r.getLong("history");
        ChunkPlan.PlannedEarning e = planned.get(r.getInteger("item") - 1);
        Purchase p = e.item().purchase();
        org.loyaltyengine.transaction.HistoryPage.Entry entry = seq == null || history == null || p == null ? null
            : org.loyaltyengine.transaction.TransactionHistory.entry(seq, p, e.points());
        if (entry != null) {
          purchases.computeIfAbsent(member, k -> new ArrayList<>())
              .add(new org.loyaltyengine.member.MemberLookup.Added(history, entry));
        }
      }
      List<Fence> fences = new ArrayList<>(versions.size());
      versions.forEach((member, version) -> fences.add(new Fence(member, version)));
      return new Applied(fences, purchases);
    });
  }

  /**
   * A planned item as the ledger's earning: what the synchronous API would have written for it (held for
   * review, its lots waiting with no release time, when the fraud checks hold it).
   */
  private static Earning earning(UUID tenantId, String currency, TierSet tiers, ChunkPlan.PlannedEarning e) {
    Earning planned = plannedEarning(tenantId, currency, tiers, e);
    return e.hold() == null ? planned : FraudClient.held(planned);
  }

  private static Earning plannedEarning(UUID tenantId, String currency, TierSet tiers, ChunkPlan.PlannedEarning e) {
    InboxItem item = e.item();
    String breakdown = PurchaseJson.breakdown(e.evaluation()).encode();
    if (item.kind() == ItemKind.TRANSACTION) {
      return new Earning(tenantId, e.memberId(), item.kind().causeType(), item.itemId(), item.requestHash(),
          item.occurredAt(), item.purchase().total(), item.purchase().currency(), item.purchase().channel(),
          item.purchase().storeId(), PurchaseJson.items(item.purchase()).encode(), e.lots(), e.expiresAt(), breakdown,
          List.of(), List.of(), List.of(tiers.codes()), List.of(tiers.thresholds()), tiers.windowDays());
    }
    // an event is recorded in the program's currency, as the API records it
    return new Earning(tenantId, e.memberId(), item.kind().causeType(), item.itemId(), item.requestHash(),
        item.occurredAt(), 0, currency, item.event().type(), null, PurchaseJson.attributes(item.event()).encode(), e.lots(), e.expiresAt(),
        breakdown, List.of(), List.of(), List.of(tiers.codes()), List.of(tiers.thresholds()), tiers.windowDays());
  }

  /** Settles items without earning, on {@code connection}: e.g. one that failed to apply even alone. */
  public Future<Void> settle(SqlClient connection, UUID tenantId, List<ChunkPlan.SettledItem> done) {
    return apply(connection, tenantId, null, TierSet.NONE, new ChunkPlan(List.of(), done, List.of(), List.of()))
        .mapEmpty();
  }

  private static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }
}
