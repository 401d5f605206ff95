package org.loyaltyengine.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("InFlightLimit: bounded in flight and bounded waiting")
class InFlightLimitTest {

  @Test
  @DisplayName("beyond max in flight and maxWaiting queued, a call fails at once with QueueFull and is never started")
  void waitingQueueIsBounded() {
    InFlightLimit limit = new InFlightLimit(2, 3);
    List<Promise<String>> started = new ArrayList<>();
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      results.add(limit.run(() -> {
        Promise<String> p = Promise.promise();
        started.add(p);
        return p.future();
      }));
    }
    assertEquals(2, started.size(), "two in flight");
    assertEquals(3, limit.waiting(), "three waiting");
    assertTrue(results.get(5).failed());
    assertInstanceOf(InFlightLimit.QueueFull.class, results.get(5).cause());
    started.get(0).complete("a");
    assertEquals(3, started.size(), "a finished call lets the next waiting one start");
    assertEquals(2, limit.waiting());
    assertFalse(results.get(2).isComplete());
  }

  @Test
  @DisplayName("a call that throws gives its slot back")
  void throwingCallFreesItsSlot() {
    InFlightLimit limit = new InFlightLimit(1, 0);
    Future<Object> failed = limit.run(() -> {
      throw new IllegalStateException("boom");
    });
    assertTrue(failed.failed());
    assertTrue(limit.run(() -> Future.succeededFuture("ok")).succeeded(), "the slot is free again");
  }
}
