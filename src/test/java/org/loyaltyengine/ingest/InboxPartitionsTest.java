package org.loyaltyengine.ingest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.testing.TestEngine;
import org.loyaltyengine.testing.TestEngine.Reply;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.loyaltyengine.ingest.IngestFixtures.batch;
import static org.loyaltyengine.ingest.IngestFixtures.event;

/** The inbox's daily partitions: made ahead, made on demand, and dropped after retention unless still pending. */
@DisplayName("Event batches: inbox partitions and retention")
class InboxPartitionsTest {
  static TestEngine engine;
  static String admin;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(Map.of("LOYALTY_INGEST_ENABLED", "false", "LOYALTY_JOBS_ENABLED", "false"));
    admin = engine.createTenant("partitions").adminKey();
  }

  @AfterAll
  static void stop() {
    engine.close();
  }

  static String partition(LocalDate day) {
    return "inbox_items_" + day.format(DateTimeFormatter.BASIC_ISO_DATE);
  }

  static boolean exists(String table) {
    return engine.queryLong("select count(*) from pg_class where relname = ?", table) == 1;
  }

  static LocalDate today() {
    return LocalDate.now(ZoneOffset.UTC);
  }

  @Test
  @DisplayName("the days ahead are prepared, and a missing day is made again")
  void preparedAhead() {
    for (int d = 0; d <= InboxRepository.DAYS_AHEAD; d++) {
      assertEquals(true, exists(partition(today().plusDays(d))), partition(today().plusDays(d)));
    }
    engine.execute("drop table " + partition(today().plusDays(3)));
    assertEquals(1, engine.queryLong("select loyalty_inbox_prepare(7)"));
    assertEquals(true, exists(partition(today().plusDays(3))));
  }

  @Test
  @DisplayName("an intake that finds no partition for today makes it and stores the batch")
  void intakeMakesTheMissingDay() {
    engine.execute("delete from inbox_items");
    engine.execute("drop table " + partition(today()));
    Reply r = engine.post("/v1/event-batches", admin, batch("b-today", List.of(event("e-today", "m1", "app_login"))));
    assertEquals(202, r.status(), r.body().toString());
    assertEquals(true, exists(partition(today())));
    assertEquals(1, engine.queryLong("select count(*) from inbox_items where item_id = 'e-today'"));
  }

  @Test
  @DisplayName("retention drops old days and their batches, but never a day that still holds a pending item")
  void retention() {
    LocalDate settledDay = today().minusDays(30);
    LocalDate pendingDay = today().minusDays(29);
    for (LocalDate day : List.of(settledDay, pendingDay)) {
      engine.execute("create table " + partition(day) + " partition of inbox_items for values from ('" + day
          + " 00:00:00+00') to ('" + day.plusDays(1) + " 00:00:00+00')");
      engine.execute("""
          with b as (insert into event_batches (tenant_id, batch_id, request_hash, item_count, transaction_count,
                                                event_count, created_at)
                     values (gen_random_uuid(), ?, 'h', 1, 0, 1, ?::timestamptz) returning id, created_at)
          insert into inbox_items (batch, seq, created_at, tenant_id, kind, item_id, member_external_id, request_hash,
                                   body, work_partition, status)
          select b.id, 0, b.created_at, gen_random_uuid(), 'event', ?, 'm1', 'h', '{}', 0, ?
            from b""", "old-" + day, day + " 12:00:00+00", "old-e-" + day, day.equals(settledDay) ? "applied" : "pending");
    }
    assertEquals(1, engine.queryLong("select loyalty_inbox_retire(7)"));
    assertEquals(false, exists(partition(settledDay)));
    assertEquals(true, exists(partition(pendingDay)), "a day with a pending item is kept");
    assertEquals(1, engine.queryLong("select count(*) from inbox_items where item_id = 'old-e-" + pendingDay + "'"));
    assertEquals(0, engine.queryLong("select count(*) from event_batches where batch_id = 'old-" + settledDay + "'"),
        "the dropped day's batches go with it");
    assertEquals(1, engine.queryLong("select count(*) from event_batches where batch_id = 'old-" + pendingDay + "'"),
        "the kept day's batches stay, so they can still be followed");
    assertEquals(true, exists(partition(today())), "today is never retired");
  }
}
