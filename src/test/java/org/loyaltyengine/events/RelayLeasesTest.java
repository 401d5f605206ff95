package org.loyaltyengine.events;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.AdvisoryLease;
import org.loyaltyengine.testing.TestEngine;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.loyaltyengine.testing.Eventually.eventually;

/** Two nodes on one database compete for the relay's partitions; PostgreSQL's advisory locks decide. */
@DisplayName("Outbox relay partitions on two nodes")
class RelayLeasesTest {
  static final int PARTITIONS = 8;
  static final Map<String, String> RELAY = Map.of("LOYALTY_JOBS_ENABLED", "false", "LOYALTY_FULFILLMENT_ENABLED", "false",
      "LOYALTY_RELAY_PARTITIONS", String.valueOf(PARTITIONS), "LOYALTY_RELAY_LEASE_RETRY_MS", "500",
      "LOYALTY_HTTP_INSTANCES", "1");
  static TestEngine first;
  static TestEngine second;

  @BeforeAll
  static void start() {
    first = TestEngine.start(RELAY);
    second = TestEngine.startNode(first, RELAY);
  }

  @AfterAll
  static void stop() {
    second.close();
    first.close();
  }

  @Test
  @DisplayName("each partition's lease is held by exactly one node, and a stopped node's partitions move to the other")
  void eachPartitionHasOneOwner() throws Exception {
    assertTrue(eventually(15_000, () -> everyPartitionHeldOnce() && held(first) + held(second) == PARTITIONS),
        "held: " + held(first) + " + " + held(second));

    TestEngine owner = held(first) > 0 ? first : second;
    TestEngine survivor = owner == first ? second : first;
    owner.stopServer();
    assertTrue(eventually(15_000, () -> everyPartitionHeldOnce() && held(survivor) == PARTITIONS),
        "the survivor holds " + held(survivor) + " within 15 s");
  }

  private static boolean everyPartitionHeldOnce() {
    for (int p = 0; p < PARTITIONS; p++) {
      long key = OutboxPartitions.leaseName(p).hashCode() & 0xFFFFFFFFL; // pg_locks shows the int key as an unsigned oid
      long holders = first.queryLong("""
          select count(*) from pg_locks
           where locktype = 'advisory' and granted and objsubid = 2
             and database = (select oid from pg_database where datname = current_database())
             and classid = ?::bigint::oid and objid = ?::bigint::oid""", (long) AdvisoryLease.LOCK_CLASS, key);
      if (holders != 1) {
        return false;
      }
    }
    return true;
  }

  /** The node's own count, from its /metrics (refreshed every 2 s). */
  private static long held(TestEngine node) {
    if (node.server() == null) {
      return 0;
    }
    Matcher m = Pattern.compile("(?m)^loyalty_outbox_relay_partitions_held(?:\\{[^}]*\\})? ([0-9.]+)$")
        .matcher(node.get("/metrics", TestEngine.OPERATOR_TOKEN).body().toString());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }
}
