package org.loyaltyengine.http;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Which failures are overload (503 overloaded) rather than errors")
class FailureClassesTest {

  @Test
  @DisplayName("a full connection-pool wait queue is overload, also when wrapped")
  void fullPoolIsOverload() {
    ConnectionPoolTooBusyException busy = new ConnectionPoolTooBusyException("max wait queue size of 10000");
    assertTrue(Failures.isOverload(busy));
    assertTrue(Failures.isOverload(new RuntimeException("earning failed", busy)));
  }

  @Test
  @DisplayName("a full bounded queue of the engine's own (pending rule evaluations) is overload, also when wrapped")
  void ownBoundedQueueIsOverload() {
    org.loyaltyengine.platform.Overloaded full = new org.loyaltyengine.platform.Overloaded("256 rule evaluations already pending");
    assertTrue(Failures.isOverload(full));
    assertTrue(Failures.isOverload(new RuntimeException("earning failed", full)));
  }

  @Test
  @DisplayName("an ordinary bug is not overload")
  void bugIsNotOverload() {
    assertFalse(Failures.isOverload(new IllegalStateException("bug")));
  }
}
