package org.loyaltyengine.ingest;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.loyaltyengine.ledger.Earning;
import org.loyaltyengine.rules.CapWindows;
import org.loyaltyengine.rules.CompiledRuleSet;
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
import java.util.TreeMap;
import java.util.UUID;

/**
 * The ledger side of asynchronous ingestion: what a chunk's evaluation must read (members, ids already taken,
 * cap and budget counters), each as one set-based query for the whole chunk, and the chunk's application
 * through {@code loyalty_ingest_apply} (V8) in one statement. Everything runs on the connection it is given:
 * the worker's partition lease connection.
 */
public final class IngestLedgerRepository {
  // Qualifying points as MemberRepository computes them: lifetime, or the tier window's earn/return entries.
  private static final String MEMBERS = """
      select m.id, m.external_id, m.status, m.tier_code, m.attributes,
             case when $3::int is null then b.lifetime_earned
                  else (select coalesce(sum(e.points), 0) from ledger_entries e
                         where e.member_id = m.id and e.kind in ('earn', 'return')
                           and e.created_at > now() - make_interval(days => $3::int)) end as qualifying_points
        from members m join member_balances b on b.member_id = m.id
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
  private static final String APPLY = "select * from loyalty_ingest_apply($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      + "$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, "
      + "$32, $33, $34, $35, $36, $37)";

  /** A member whose snapshot changed, and the version to fence its cached reads at. */
  public record Fence(String externalId, long snapshotVersion) {}

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
  public Future<List<Fence>> apply(SqlClient connection, UUID tenantId, String currency, TierSet tiers, ChunkPlan plan) {
    List<ChunkPlan.PlannedEarning> earnings = plan.earnings();
    int n = earnings.size();
    Long[] batches = new Long[n];
    Integer[] seqs = new Integer[n];
    OffsetDateTime[] created = new OffsetDateTime[n];
    Long[] members = new Long[n];
    String[] causeTypes = new String[n];
    String[] causeIds = new String[n];
    String[] hashes = new String[n];
    OffsetDateTime[] occurred = new OffsetDateTime[n];
    Long[] totals = new Long[n];
    String[] currencies = new String[n];
    String[] kinds = new String[n];
    String[] stores = new String[n];
    String[] payloads = new String[n];
    String[] breakdowns = new String[n];
    OffsetDateTime[] expires = new OffsetDateTime[n];
    List<Integer> lotItems = new ArrayList<>();
    List<Long> lotPoints = new ArrayList<>();
    List<OffsetDateTime> lotAvailable = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ChunkPlan.PlannedEarning e = earnings.get(i);
      InboxItem item = e.item();
      batches[i] = item.batch();
      seqs[i] = item.seq();
      created[i] = utc(item.createdAt());
      members[i] = e.memberId();
      causeTypes[i] = item.kind().causeType();
      causeIds[i] = item.itemId();
      hashes[i] = item.requestHash();
      occurred[i] = utc(item.occurredAt());
      if (item.kind() == ItemKind.TRANSACTION) {
        totals[i] = item.purchase().total();
        currencies[i] = item.purchase().currency();
        kinds[i] = item.purchase().channel();
        stores[i] = item.purchase().storeId();
        payloads[i] = PurchaseJson.items(item.purchase()).encode();
      } else {
        totals[i] = 0L;
        currencies[i] = currency; // an event is recorded in the program's currency, as the API records it
        kinds[i] = item.event().type();
        JsonObject attributes = new JsonObject();
        new TreeMap<>(item.event().attributes()).forEach(attributes::put);
        payloads[i] = attributes.encode();
      }
      breakdowns[i] = PurchaseJson.breakdown(e.evaluation()).encode();
      expires[i] = utc(e.expiresAt());
      for (Earning.Lot lot : e.lots()) {
        lotItems.add(i + 1);
        lotPoints.add(lot.points());
        lotAvailable.add(utc(lot.availableAt()));
      }
    }
    List<ChunkPlan.CounterGrowth> usage = plan.usage();
    List<ChunkPlan.SettledItem> done = plan.settled();
    Tuple args = Tuple.tuple().addUUID(tenantId)
        .addArrayOfLong(batches).addArrayOfInteger(seqs).addArrayOfOffsetDateTime(created)
        .addArrayOfLong(members).addArrayOfString(causeTypes).addArrayOfString(causeIds).addArrayOfString(hashes)
        .addArrayOfOffsetDateTime(occurred).addArrayOfLong(totals).addArrayOfString(currencies)
        .addArrayOfString(kinds).addArrayOfString(stores).addArrayOfString(payloads).addArrayOfString(breakdowns)
        .addArrayOfOffsetDateTime(expires)
        .addArrayOfInteger(lotItems.toArray(Integer[]::new)).addArrayOfLong(lotPoints.toArray(Long[]::new))
        .addArrayOfOffsetDateTime(lotAvailable.toArray(OffsetDateTime[]::new))
        .addArrayOfLong(usage.stream().map(ChunkPlan.CounterGrowth::memberId).toArray(Long[]::new))
        .addArrayOfString(usage.stream().map(ChunkPlan.CounterGrowth::ruleId).toArray(String[]::new))
        .addArrayOfString(usage.stream().map(ChunkPlan.CounterGrowth::windowKey).toArray(String[]::new))
        .addArrayOfLong(usage.stream().map(ChunkPlan.CounterGrowth::points).toArray(Long[]::new))
        .addArrayOfLong(usage.stream().map(ChunkPlan.CounterGrowth::cap).toArray(Long[]::new))
        .addArrayOfString(plan.budgets().stream().map(Earning.Budget::ruleId).toArray(String[]::new))
        .addArrayOfLong(plan.budgets().stream().map(Earning.Budget::points).toArray(Long[]::new))
        .addArrayOfLong(plan.budgets().stream().map(Earning.Budget::limit).toArray(Long[]::new))
        .addArrayOfString(tiers.codes()).addArrayOfLong(tiers.thresholds()).addInteger(tiers.windowDays())
        .addArrayOfLong(done.stream().map(d -> d.item().batch()).toArray(Long[]::new))
        .addArrayOfInteger(done.stream().map(d -> d.item().seq()).toArray(Integer[]::new))
        .addArrayOfOffsetDateTime(done.stream().map(d -> utc(d.item().createdAt())).toArray(OffsetDateTime[]::new))
        .addArrayOfString(done.stream().map(d -> d.status().wireName()).toArray(String[]::new))
        .addArrayOfString(done.stream().map(ChunkPlan.SettledItem::code).toArray(String[]::new))
        .addArrayOfString(done.stream().map(ChunkPlan.SettledItem::message).toArray(String[]::new))
        .addArrayOfString(done.stream().map(ChunkPlan.SettledItem::field).toArray(String[]::new));
    return connection.preparedQuery(APPLY).execute(args).map(rows -> {
      List<Fence> fences = new ArrayList<>(rows.size());
      for (Row r : rows) {
        fences.add(new Fence(r.getString("external_id"), r.getLong("snapshot_version")));
      }
      return fences;
    });
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
