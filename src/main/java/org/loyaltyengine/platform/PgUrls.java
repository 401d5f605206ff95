package org.loyaltyengine.platform;

import io.vertx.pgclient.PgConnectOptions;

/** Turns a {@code postgresql://user:password@host:port/db} URL into driver options, for Vert.x and JDBC. */
public final class PgUrls {
  private PgUrls() {}

  public static PgConnectOptions connectOptions(String url) {
    return PgConnectOptions.fromUri(url)
        .setCachePreparedStatements(true)
        .setPreparedStatementCacheMaxSize(512)
        .setPipeliningLimit(256);
  }

  static void check(String name, String url) {
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      throw new ConfigException(name + " must start with postgresql:// (got \"" + url + "\")");
    }
    PgConnectOptions o;
    try {
      o = PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      throw new ConfigException(name + " is not a valid PostgreSQL URL (" + e.getMessage() + ")");
    }
    if (o.getDatabase() == null || o.getDatabase().isEmpty()) {
      throw new ConfigException(name + " must name a database (got \"" + url + "\")");
    }
  }

  public static String jdbcUrl(PgConnectOptions o) {
    return "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
  }

  /** Same server, another database: used to create the target database from the maintenance one. */
  public static String jdbcUrl(PgConnectOptions o, String database) {
    return "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + database;
  }
}
