package org.loyaltyengine.platform;

import io.vertx.pgclient.PgConnectOptions;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Start-up work on the primary database over JDBC: create it if missing, then apply the Flyway
 * migrations in {@code db/migration}. Blocking by nature, so it runs before any verticle is deployed.
 */
public final class DatabaseSetup {
  private static final Logger log = LoggerFactory.getLogger(DatabaseSetup.class);

  private DatabaseSetup() {}

  public static void prepare(AppConfig.Pg pg) {
    PgConnectOptions target = pg.primary();
    if (pg.createDatabase()) {
      createIfMissing(target);
    }
    migrate(target);
  }

  public static Connection connect(PgConnectOptions o) throws SQLException {
    return DriverManager.getConnection(PgUrls.jdbcUrl(o), credentials(o));
  }

  static void createIfMissing(PgConnectOptions target) {
    String db = target.getDatabase();
    try (Connection c = DriverManager.getConnection(PgUrls.jdbcUrl(target, "postgres"), credentials(target));
         PreparedStatement exists = c.prepareStatement("select 1 from pg_database where datname = ?")) {
      exists.setString(1, db);
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
      try (var create = c.createStatement()) {
        create.execute("create database \"" + db.replace("\"", "\"\"") + "\"");
        log.info("event=database_created database={}", db);
      }
    } catch (SQLException e) {
      if ("42P04".equals(e.getSQLState())) {
        return; // another node created it concurrently
      }
      throw new ConfigException("cannot reach PostgreSQL at " + target.getHost() + ":" + target.getPort()
          + " to create database " + db + ": " + firstLine(e.getMessage()));
    }
  }

  static void migrate(PgConnectOptions target) {
    try {
      Flyway.configure()
          .dataSource(PgUrls.jdbcUrl(target), target.getUser(), target.getPassword())
          .locations("classpath:db/migration")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      throw new ConfigException("cannot migrate database " + target.getDatabase() + ": " + firstLine(e.getMessage()));
    }
  }

  private static Properties credentials(PgConnectOptions o) {
    Properties p = new Properties();
    if (o.getUser() != null) {
      p.setProperty("user", o.getUser());
    }
    if (o.getPassword() != null) {
      p.setProperty("password", o.getPassword());
    }
    p.setProperty("connectTimeout", "5");
    return p;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
