package org.loyaltyengine.seed;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * One chunk of members rendered as the four payloads of PostgreSQL's COPY text format (tab-separated,
 * {@code \N} for null, backslash escapes). Rendering happens off the database connection, so the next chunk
 * can be built while the previous one streams.
 */
final class CopyChunk {
  static final String COPY_MEMBERS =
      "copy members (id, tenant_id, external_id, email, first_name, last_name, status, enrolled_at) from stdin";
  static final String COPY_BALANCES = "copy member_balances "
      + "(member_id, tenant_id, available, pending, lifetime_earned, transaction_count, total_spent) from stdin";
  static final String COPY_TRANSACTIONS = "copy transactions (tenant_id, transaction_id, member_id, occurred_at, "
      + "total, currency, channel, store_id, items, points_earned, created_at) from stdin";
  static final String COPY_LEDGER = "copy ledger_entries "
      + "(tenant_id, member_id, kind, points, cause_type, cause_id, available_at, created_at) from stdin";

  final int members;
  final long purchases;
  final long points;
  final long spent;
  final byte[] memberRows;
  final byte[] balanceRows;
  final byte[] transactionRows;
  final byte[] ledgerRows;
  final long[] memberIds;

  private CopyChunk(long[] memberIds, int members, long purchases, long points, long spent, StringBuilder memberRows,
                    StringBuilder balanceRows, StringBuilder transactionRows, StringBuilder ledgerRows) {
    this.memberIds = memberIds;
    this.members = members;
    this.purchases = purchases;
    this.points = points;
    this.spent = spent;
    this.memberRows = bytes(memberRows);
    this.balanceRows = bytes(balanceRows);
    this.transactionRows = bytes(transactionRows);
    this.ledgerRows = bytes(ledgerRows);
  }

  /**
   * Renders members {@code firstIndex .. firstIndex + memberIds.length - 1}; {@code memberIds[i]} is the id
   * reserved from the members sequence for member {@code firstIndex + i}.
   */
  static CopyChunk render(SeedData data, UUID tenantId, String currency, int firstIndex, long[] memberIds) {
    String tenant = tenantId.toString();
    StringBuilder m = new StringBuilder(memberIds.length * 140);
    StringBuilder b = new StringBuilder(memberIds.length * 80);
    StringBuilder t = new StringBuilder(memberIds.length * 3000);
    StringBuilder l = new StringBuilder(memberIds.length * 1300);
    long purchases = 0;
    long points = 0;
    long spent = 0;
    for (int i = 0; i < memberIds.length; i++) {
      long id = memberIds[i];
      SeedData.Member member = data.member(firstIndex + i);
      row(m, id, tenant, text(member.externalId()), text(member.email()), text(member.firstName()),
          text(member.lastName()), "active", timestamp(member.enrolledAt()));
      for (SeedData.Purchase p : member.purchases()) {
        String at = timestamp(p.occurredAt());
        String txId = text(p.transactionId());
        row(t, tenant, txId, id, at, p.total(), currency, p.channel(), p.storeId() == null ? NULL : text(p.storeId()),
            text(itemsJson(p)), p.pointsEarned(), at);
        row(l, tenant, id, "earn", p.pointsEarned(), "transaction", txId, at, at);
      }
      long memberPoints = member.points();
      long memberSpent = member.spent();
      // available + pending must equal the ledger sum: every seeded point is an available earn entry
      row(b, id, tenant, memberPoints, 0, memberPoints, member.purchases().size(), memberSpent);
      purchases += member.purchases().size();
      points = Math.addExact(points, memberPoints);
      spent = Math.addExact(spent, memberSpent);
    }
    return new CopyChunk(memberIds, memberIds.length, purchases, points, spent, m, b, t, l);
  }

  static final String NULL = "\\N";

  static String itemsJson(SeedData.Purchase p) {
    // values come from fixed catalogues (no quotes or backslashes), so no JSON string escaping is needed
    StringBuilder json = new StringBuilder(64 * p.items().size());
    json.append('[');
    for (SeedData.Item item : p.items()) {
      if (json.length() > 1) {
        json.append(',');
      }
      json.append("{\"sku\":\"").append(item.sku())
          .append("\",\"category\":\"").append(item.category())
          .append("\",\"quantity\":").append(item.quantity())
          .append(",\"amount\":").append(item.amount()).append('}');
    }
    return json.append(']').toString();
  }

  /** ISO-8601 in UTC, which PostgreSQL reads unambiguously whatever the session time zone. */
  static String timestamp(Instant instant) {
    return instant.toString();
  }

  /** Escapes the characters COPY text format treats specially; demo data has none, so usually a no-op. */
  static String text(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
        return escape(value);
      }
    }
    return value;
  }

  private static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** Appends one row; callers pass strings already escaped with {@link #text} (or {@link #NULL}). */
  private static void row(StringBuilder out, Object... columns) {
    for (int i = 0; i < columns.length; i++) {
      if (i > 0) {
        out.append('\t');
      }
      out.append(columns[i]);
    }
    out.append('\n');
  }

  private static byte[] bytes(StringBuilder sb) {
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
