package org.loyaltyengine.analytics;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reports never run on the live tables: every statement of AnalyticsRepository names only analytics_*
 * tables. (AnalyticsApiTest shows the same from the other side: the reports work through a database role
 * that may read nothing else.)
 */
@DisplayName("Analytics SQL touches only the analytics tables")
class AnalyticsSqlTest {
  private static final Pattern CTE = Pattern.compile("(?:\\bwith|,)\\s*([a-z_][a-z0-9_]*)\\s+as\\s*\\(");
  private static final Pattern RELATION_KEYWORD = Pattern.compile("\\b(from|join|into|update)\\s+");
  private static final Pattern NAME = Pattern.compile("([a-z_][a-z0-9_]*)\\s*(\\()?");
  /** After a name in a FROM list: an optional alias, then a comma and the next item. */
  private static final Pattern NEXT_ITEM = Pattern.compile("\\s*(?:(?:as\\s+)?[a-z_][a-z0-9_]*)?\\s*,\\s*");
  private static final Set<String> SET_RETURNING_FUNCTIONS = Set.of("unnest", "generate_series");

  /** The tables a statement reads or writes (CTE names and set-returning functions left out). */
  static Set<String> tablesOf(String sql) {
    String s = sql.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    Set<String> ctes = new HashSet<>();
    Matcher c = CTE.matcher(s);
    while (c.find()) {
      ctes.add(c.group(1));
    }
    Set<String> tables = new TreeSet<>();
    Matcher k = RELATION_KEYWORD.matcher(s);
    while (k.find()) {
      String keyword = k.group(1);
      int at = k.end();
      while (true) {
        Matcher name = NAME.matcher(s).region(at, s.length());
        if (!name.lookingAt()) {
          break; // a subquery
        }
        String n = name.group(1);
        if (keyword.equals("update") && n.equals("set")) {
          break; // on conflict ... do update set
        }
        if (name.group(2) != null && !keyword.equals("into")) {
          assertTrue(SET_RETURNING_FUNCTIONS.contains(n), "unexpected function " + n + " in " + sql);
          break;
        }
        if (!ctes.contains(n)) {
          tables.add(n);
        }
        Matcher next = NEXT_ITEM.matcher(s).region(name.end(1), s.length());
        if (!keyword.equals("from") || !next.lookingAt()) {
          break;
        }
        at = next.end();
      }
    }
    return tables;
  }

  @Test
  @DisplayName("the scanner finds live tables where they are")
  void scannerWorks() {
    assertEquals(Set.of("ledger_entries", "analytics_daily"),
        tablesOf("with x as (select 1 from ledger_entries) select * from x join analytics_daily d on true"));
    assertEquals(Set.of("members"), tablesOf("insert into members (id) select * from unnest($1::int[]) as b(i)"));
    assertEquals(Set.of("analytics_daily", "ledger_entries", "outbox"),
        tablesOf("select 1 from analytics_daily d, ledger_entries as l, outbox where true"));
    assertEquals(Set.of("audit_log", "members"), tablesOf("insert into audit_log select 1 from (select 2 from members) m"));
  }

  @Test
  @DisplayName("every statement of AnalyticsRepository names analytics_* tables only")
  void onlyAnalyticsTables() {
    assertFalse(AnalyticsRepository.STATEMENTS.isEmpty());
    Set<String> all = new TreeSet<>();
    for (String sql : AnalyticsRepository.STATEMENTS) {
      Set<String> tables = tablesOf(sql);
      assertFalse(tables.isEmpty(), "a statement names a table: " + sql);
      for (String t : tables) {
        assertTrue(t.startsWith("analytics_"), t + " is not an analytics table, in: " + sql);
      }
      all.addAll(tables);
    }
    assertEquals(Set.of("analytics_applied_events", "analytics_daily", "analytics_member_days",
        "analytics_reward_daily", "analytics_tenants"), all);
  }
}
