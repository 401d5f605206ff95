package org.loyaltyengine.rules;

import org.loyaltyengine.platform.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.Map;
import java.util.UUID;

/** Earning rule sets, versioned: an upload is a new version and the tenant row points at the active one. */
public final class RuleSetRepository {
  private static final String SAVE = """
      with t as (update tenants set rules_version = rules_version + 1 where id = $1 returning rules_version)
      insert into earning_rule_sets (tenant_id, version, body) select $1, rules_version, $2 from t returning version""";
  private static final String FIND = "select body from earning_rule_sets where tenant_id = $1 and version = $2";
  private static final String VERSIONS = """
      select version, created_at, jsonb_array_length(body -> 'rules') as rule_count
        from earning_rule_sets where tenant_id = $1 order by version desc limit 100""";
  private static final String VERSION = """
      select version, body, created_at from earning_rule_sets where tenant_id = $1 and version = $2""";
  // Rollback: the tenant row is locked first, so two rollbacks to the same version make one new version.
  private static final String LOCK_ACTIVE = "select rules_version from tenants where id = $1 for update";
  private static final String SAME_AS_ACTIVE = """
      select s.body = a.body as same from earning_rule_sets s
        left join earning_rule_sets a on a.tenant_id = $1 and a.version = $3
       where s.tenant_id = $1 and s.version = $2""";
  private static final String COPY = """
      with t as (update tenants set rules_version = rules_version + 1 where id = $1 returning rules_version)
      insert into earning_rule_sets (tenant_id, version, body)
      select $1, t.rules_version, s.body from t, earning_rule_sets s where s.tenant_id = $1 and s.version = $2
      returning version""";
  /** The counters of several members' evaluations at once: each member's index range, probed once. */
  private static final String USAGE_OF_MEMBERS = """
      select u.member_id, u.rule_id, u.window_key, u.points
        from unnest($1::bigint[]) as x(member_id)
        join rule_usage u on u.member_id = x.member_id and u.rule_id = any($2) and u.window_key = any($3)""";
  private static final String BUDGETS = "select rule_id, spent from rule_budgets where tenant_id = $1 and rule_id = any($2)";

  private final Pool pool;
  /** Gathers the cap-counter reads of concurrent evaluations into one query; null: one query each ({@link #memberUsage}). */
  private org.loyaltyengine.platform.GroupCommitter<UsageRead, Map<String, Map<String, Long>>> usageReads;

  /** One evaluation's counters to read: the member's, of these rules, in these windows. */
  private record UsageRead(long memberId, java.util.List<String> ruleIds, java.util.List<String> windowKeys) {}

  public RuleSetRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * From now on the cap-counter reads of concurrent evaluations leave together (up to {@code maxBatch} in one
   * query, while the previous one is in flight; alone at once when none is), so a busy node reads the counters
   * of a batch of earnings with one statement instead of one each. Call on the event loop that will use it.
   */
  public RuleSetRepository gatherUsageReads(int maxBatch, int maxQueued, io.vertx.core.Vertx vertx) {
    usageReads = new org.loyaltyengine.platform.GroupCommitter<>(
        new org.loyaltyengine.platform.GroupCommitter.Settings(maxBatch, 0, 1, maxQueued),
        (ms, task) -> vertx.setTimer(Math.max(1, ms), id -> task.run()),
        r -> Boolean.TRUE, (a, b) -> true, this::memberUsage, this::memberUsage, (size, failed) -> { });
    return this;
  }

  /** One read's counters (rule → window → points). */
  private Future<Map<String, Map<String, Long>>> memberUsage(UsageRead read) {
    return memberUsage(java.util.List.of(read)).map(all -> all.get(0));
  }

  /** Each read's counters (rule → window → points), from one query over all of their members. */
  private Future<java.util.List<Map<String, Map<String, Long>>>> memberUsage(java.util.List<UsageRead> reads) {
    java.util.Set<Long> members = new java.util.LinkedHashSet<>();
    java.util.Set<String> rules = new java.util.LinkedHashSet<>();
    java.util.Set<String> windows = new java.util.LinkedHashSet<>();
    for (UsageRead r : reads) {
      members.add(r.memberId());
      rules.addAll(r.ruleIds());
      windows.addAll(r.windowKeys());
    }
    return pool.preparedQuery(USAGE_OF_MEMBERS).execute(Tuple.tuple()
            .addArrayOfLong(members.toArray(Long[]::new))
            .addArrayOfString(rules.toArray(String[]::new))
            .addArrayOfString(windows.toArray(String[]::new)))
        .map(rows -> {
          Map<Long, Map<String, Map<String, Long>>> byMember = new java.util.HashMap<>();
          for (Row row : rows) {
            byMember.computeIfAbsent(row.getLong("member_id"), k -> new java.util.HashMap<>())
                .computeIfAbsent(row.getString("rule_id"), k -> new java.util.HashMap<>())
                .put(row.getString("window_key"), row.getLong("points"));
          }
          java.util.List<Map<String, Map<String, Long>>> out = new java.util.ArrayList<>(reads.size());
          // another read's rules or windows may show up too: lookups ask only for their own (CapUsage)
          reads.forEach(r -> out.add(byMember.getOrDefault(r.memberId(), Map.of())));
          return out;
        });
  }

  public Future<Integer> save(UUID tenantId, RuleSet set) {
    return pool.preparedQuery(SAVE).execute(Tuple.of(tenantId, RuleSetJson.toJson(set)))
        .map(rows -> rows.iterator().next().getInteger("version"));
  }

  /** Version 0 is "no rules yet": nothing earns points. */
  public Future<RuleSet> find(UUID tenantId, int version) {
    if (version == 0) {
      return Future.succeededFuture(RuleSet.EMPTY);
    }
    return pool.preparedQuery(FIND).execute(Tuple.of(tenantId, version))
        .map(rows -> RuleSetJson.parse((JsonObject) rows.iterator().next().getValue("body")));
  }

  /** A stored version: {@code {<the rule set>, "version", "createdAt"}}, or empty when there is none. */
  public Future<java.util.Optional<JsonObject>> version(UUID tenantId, int version) {
    return pool.preparedQuery(VERSION).execute(Tuple.of(tenantId, version)).map(rows -> {
      if (rows.size() == 0) {
        return java.util.Optional.empty();
      }
      Row r = rows.iterator().next();
      return java.util.Optional.of(RuleSetJson.toJson(RuleSetJson.parse((JsonObject) r.getValue("body")))
          .put("version", r.getInteger("version"))
          .put("createdAt", Timestamps.format(r.getOffsetDateTime("created_at"))));
    });
  }

  /** What a rollback did: the active version afterwards, and whether a new version was made for it. */
  public record Rollback(int activeVersion, boolean created) {}

  /**
   * Makes the content of {@code version} active again as a new version, unless the active version already
   * has exactly that content (then nothing changes: a repeated rollback is a no-op). Empty when the tenant
   * has no such version.
   */
  public Future<java.util.Optional<Rollback>> rollback(UUID tenantId, int version) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_ACTIVE).execute(Tuple.of(tenantId))
        .compose(locked -> {
          int active = locked.iterator().next().getInteger("rules_version");
          return conn.preparedQuery(SAME_AS_ACTIVE).execute(Tuple.of(tenantId, version, active)).compose(cmp -> {
            if (cmp.size() == 0) { // no such version
              return Future.succeededFuture(java.util.Optional.<Rollback>empty());
            }
            if (Boolean.TRUE.equals(cmp.iterator().next().getBoolean("same"))) {
              return Future.succeededFuture(java.util.Optional.of(new Rollback(active, false)));
            }
            return conn.preparedQuery(COPY).execute(Tuple.of(tenantId, version))
                .map(rows -> java.util.Optional.of(new Rollback(rows.iterator().next().getInteger("version"), true)));
          });
        }));
  }

  public Future<JsonArray> versions(UUID tenantId) {
    return pool.preparedQuery(VERSIONS).execute(Tuple.of(tenantId)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row r : rows) {
        out.add(new JsonObject().put("version", r.getInteger("version"))
            .put("createdAt", Timestamps.format(r.getOffsetDateTime("created_at")))
            .put("ruleCount", r.getInteger("rule_count")));
      }
      return out;
    });
  }

  /** The member's counters in the given windows, and the program budgets spent, for capped/budgeted rules. */
  public Future<CapUsage> usage(UUID tenantId, long memberId, CompiledRuleSet rules, CapWindows.Keys keys) {
    Future<Map<String, Map<String, Long>>> member;
    if (!rules.hasCaps()) {
      member = Future.succeededFuture(Map.of());
    } else {
      UsageRead read = new UsageRead(memberId, java.util.List.copyOf(rules.cappedRuleIds()), keys.all());
      member = usageReads != null ? usageReads.submit(read) : memberUsage(read);
    }
    Future<Map<String, Long>> budgets = !rules.hasBudgets() ? Future.succeededFuture(Map.of())
        // Tuple.of(x, array) would spread the array as varargs: build the tuple explicitly
        : pool.preparedQuery(BUDGETS).execute(Tuple.tuple().addUUID(tenantId)
            .addArrayOfString(rules.budgetedRuleIds().toArray(String[]::new)))
            .map(rows -> {
              Map<String, Long> out = new java.util.HashMap<>();
              for (Row r : rows) {
                out.put(r.getString("rule_id"), r.getLong("spent"));
              }
              return out;
            });
    return Future.all(member, budgets).map(done -> CapUsage.of(member.result(), budgets.result()));
  }
}
