package org.loyaltyengine.seed;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What one {@code seed} run did. {@code seeded*} count only this run's rows; {@code tenantMembers} is the
 * tenant's member count afterwards. Amounts are minor units of the tenant's currency.
 */
public record SeedReport(String tenant, UUID tenantId, boolean tenantCreated, String adminKey,
                         long existingMembers, long seededMembers, long seededTransactions, long seededLedgerEntries,
                         long seededPoints, long seededSpent, long tenantMembers, Optional<Path> export,
                         Duration elapsed) {

  /** {@code KEY=value} lines for scripts (they grep {@code TENANT_ID=} and {@code ADMIN_KEY=}), then a summary. */
  public List<String> lines() {
    long ms = elapsed.toMillis();
    String seconds = (ms / 1000) + "." + (ms % 1000 / 100);
    String summary = "seed: tenant " + tenant + " (" + (tenantCreated ? "created" : "existing") + "): "
        + existingMembers + " existing + " + seededMembers + " new members = " + tenantMembers + "; "
        + seededTransactions + " transactions, " + seededLedgerEntries + " ledger entries, "
        + seededPoints + " points, " + seededSpent + " spent (minor units) in " + seconds + " s";
    var lines = new java.util.ArrayList<>(List.of(
        "TENANT_ID=" + tenantId,
        "ADMIN_KEY=" + adminKey,
        "SEEDED_MEMBERS=" + seededMembers,
        "SEEDED_TRANSACTIONS=" + seededTransactions,
        "SEEDED_LEDGER_ENTRIES=" + seededLedgerEntries,
        "SEEDED_POINTS=" + seededPoints,
        "SEEDED_SPENT=" + seededSpent,
        "TENANT_MEMBERS=" + tenantMembers));
    export.ifPresent(file -> lines.add("EXPORT_FILE=" + file));
    lines.add("ELAPSED_MS=" + ms);
    lines.add(summary);
    return lines;
  }
}
