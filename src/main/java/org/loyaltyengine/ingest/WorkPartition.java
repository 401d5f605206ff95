package org.loyaltyengine.ingest;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * The work partition of a member's items: a stable hash of tenant and member id modulo the number of
 * partitions. Every item of one member lands in the same partition, and one worker at a time applies a
 * partition in inbox order, which is what keeps a member's items in order while other members' items are
 * applied in parallel.
 */
public final class WorkPartition {
  /** Stored as a PostgreSQL smallint. */
  public static final int MAX_PARTITIONS = 1024;

  private WorkPartition() {}

  public static int of(UUID tenantId, String memberExternalId, int partitions) {
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new IllegalArgumentException("partitions must be 1-" + MAX_PARTITIONS);
    }
    CRC32 crc = new CRC32(); // fixed by its definition, so every node and version agrees on it
    crc.update((tenantId + ":" + memberExternalId).getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % partitions);
  }
}
