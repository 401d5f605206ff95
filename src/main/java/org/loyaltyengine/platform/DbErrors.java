package org.loyaltyengine.platform;

import io.vertx.pgclient.PgException;

/** Readable names for the PostgreSQL SQLSTATEs the repositories translate into domain outcomes. */
public final class DbErrors {
  public static final String UNIQUE_VIOLATION = "23505";

  private DbErrors() {}

  public static boolean isUniqueViolation(Throwable err, String constraint) {
    return err instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
        && (constraint == null || constraint.equals(pg.getConstraint()));
  }
}
