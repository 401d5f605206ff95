package org.loyaltyengine.seed;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.loyaltyengine.tenant.ApiKeySecret;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One scenario against the real PostgreSQL, in a throw-away database: seed, re-run, top up, export. */
@DisplayName("Seeding a tenant with demo data")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeederTest {
  private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
  private static final String DATABASE = "loyalty_test_seed_" + randomHex();
  private static final Map<String, String> ENV =
      Map.of("LOYALTY_PG_URL", "postgresql://postgres@127.0.0.1:5432/" + DATABASE);
  // small chunks so that 200 members span several transactions and the render/stream overlap
  private static final SeedOptions OPTIONS = SeedOptions.of("acme", 200, 3).withChunkMembers(64);

  @TempDir
  static Path tmp;
  private static Connection db;
  private static SeedReport first;

  @BeforeAll
  static void createDatabase() throws SQLException {
    try (Connection admin = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
         Statement s = admin.createStatement()) {
      s.execute("create database " + DATABASE);
    }
    first = Seeder.run(ENV, OPTIONS);
    db = DriverManager.getConnection(SERVER + DATABASE, "postgres", "");
  }

  @AfterAll
  static void dropDatabase() throws SQLException {
    if (db != null) {
      db.close();
    }
    try (Connection admin = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
         Statement s = admin.createStatement()) {
      s.execute("drop database if exists " + DATABASE + " with (force)");
    }
  }

  @Test
  @Order(1)
  @DisplayName("a first run creates the tenant and 200 members with 3 transactions and 3 earn entries each")
  void firstRun() throws SQLException {
    assertTrue(first.tenantCreated());
    assertEquals(0, first.existingMembers());
    assertEquals(200, first.seededMembers());
    assertEquals(600, first.seededTransactions());
    assertEquals(600, first.seededLedgerEntries());
    assertEquals(200, first.tenantMembers());
    assertEquals(200, count("select count(*) from members where tenant_id = ?"));
    assertEquals(200, count("select count(*) from member_balances where tenant_id = ?"));
    assertEquals(600, count("select count(*) from transactions where tenant_id = ?"));
    assertEquals(600, count("select count(*) from ledger_entries where tenant_id = ? and kind = 'earn'"));
    assertEquals(first.seededPoints(), count("select sum(points) from ledger_entries where tenant_id = ?"));
    assertEquals(first.seededSpent(), count("select sum(total) from transactions where tenant_id = ?"));
    assertEquals(1, count("select count(*) from members where tenant_id = ? and external_id = 'member-0000200'"
        + " and email = 'member-0000200@example.com' and status = 'active' and tier_code is null"));
  }

  @Test
  @Order(2)
  @DisplayName("every seeded point sits in a released lot, so spending and expiry find it")
  void lotsMatchBalances() throws SQLException {
    assertEquals(0, count("""
        select count(*) from member_balances b
          left join (select member_id, sum(remaining) as remaining from point_lots where released group by member_id) l
            on l.member_id = b.member_id
        where b.tenant_id = ? and b.available <> coalesce(l.remaining, 0)"""));
    assertEquals(count("select count(*) from ledger_entries where tenant_id = ? and points > 0"),
        count("select count(*) from point_lots where tenant_id = ?"));
  }

  @Test
  @Order(2)
  @DisplayName("every member's balance equals the sum of its ledger entries, and its counters match its transactions")
  void balancesMatchLedger() throws SQLException {
    assertEquals(0, count("""
        select count(*) from members m
          join member_balances b on b.member_id = m.id
          left join (select member_id, sum(points) as points from ledger_entries group by member_id) l
            on l.member_id = m.id
          left join (select member_id, count(*) as n, sum(total) as spent from transactions group by member_id) t
            on t.member_id = m.id
        where m.tenant_id = ?
          and (b.available + b.pending <> coalesce(l.points, 0)
               or b.lifetime_earned <> coalesce(l.points, 0)
               or b.transaction_count <> 3 or t.n <> 3
               or b.total_spent <> coalesce(t.spent, 0))"""));
  }

  @Test
  @Order(3)
  @DisplayName("each transaction's total is the sum of its items and it earns one point per whole EUR, recorded once in the ledger")
  void transactionsAreConsistent() throws SQLException {
    assertEquals(0, count("""
        select count(*) from transactions t
        where t.tenant_id = ?
          and (t.total <> (select sum((i->>'amount')::bigint) from jsonb_array_elements(t.items) i)
               or t.points_earned <> t.total / 100
               or t.currency <> 'EUR'
               or t.transaction_id !~ '^t-[0-9]+-[1-3]$'
               or not exists (select 1 from ledger_entries l
                              where l.member_id = t.member_id and l.cause_type = 'transaction'
                                and l.cause_id = t.transaction_id and l.points = t.points_earned
                                and l.available_at = t.occurred_at and l.expires_at is null))"""));
  }

  @Test
  @Order(4)
  @DisplayName("the printed admin key is stored only as its hash, with the admin scope")
  void adminKey() throws SQLException {
    try (PreparedStatement q = db.prepareStatement(
        "select tenant_id, name, scopes::text from api_keys where key_hash = ? and revoked_at is null")) {
      q.setString(1, ApiKeySecret.hash(first.adminKey()));
      try (ResultSet rs = q.executeQuery()) {
        assertTrue(rs.next(), "key hash stored");
        assertEquals(first.tenantId().toString(), rs.getString(1));
        assertEquals("seed-admin", rs.getString(2));
        assertEquals("{admin}", rs.getString(3));
      }
    }
    assertTrue(first.lines().contains("TENANT_ID=" + first.tenantId()));
    assertTrue(first.lines().contains("ADMIN_KEY=" + first.adminKey()));
  }

  @Test
  @Order(5)
  @DisplayName("re-running with the same target adds nothing but issues a new admin key for the same tenant")
  void rerunIsNoOp() throws SQLException {
    SeedReport again = Seeder.run(ENV, OPTIONS);
    assertEquals(first.tenantId(), again.tenantId());
    assertTrue(!again.tenantCreated());
    assertEquals(200, again.existingMembers());
    assertEquals(0, again.seededMembers());
    assertEquals(0, again.seededTransactions());
    assertEquals(200, count("select count(*) from members where tenant_id = ?"));
    assertNotEquals(first.adminKey(), again.adminKey());
    assertEquals(2, count("select count(*) from api_keys where tenant_id = ? and name = 'seed-admin'"));
  }

  @Test
  @Order(6)
  @DisplayName("raising the target to 250 tops up 50 members and the export lists all 250 external ids")
  void topUpAndExport() throws Exception {
    Path file = tmp.resolve("gatling/data/members.csv");
    SeedReport topUp = Seeder.run(ENV, SeedOptions.of("acme", 250, 3).withChunkMembers(64).withExport(file));
    assertEquals(200, topUp.existingMembers());
    assertEquals(50, topUp.seededMembers());
    assertEquals(150, topUp.seededTransactions());
    assertEquals(250, topUp.tenantMembers());
    assertEquals(750, count("select count(*) from ledger_entries where tenant_id = ?"));
    assertEquals(1, count("select count(*) from members where tenant_id = ? and external_id = 'member-0000250'"));
    balancesMatchLedger();

    List<String> lines = Files.readAllLines(file);
    assertEquals(251, lines.size());
    assertEquals("externalId", lines.get(0));
    assertEquals("member-0000001", lines.get(1));
    assertEquals("member-0000250", lines.get(250));
  }

  private static long count(String sql) throws SQLException {
    try (PreparedStatement q = db.prepareStatement(sql)) {
      q.setObject(1, first.tenantId());
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static String randomHex() {
    byte[] bytes = new byte[6];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
