package org.loyaltyengine.rules;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.loyaltyengine.platform.Overloaded;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event-bus hop to the rules workers is a bounded queue: beyond it, requests are shed, not queued. */
@DisplayName("Rules client: at most maxPending evaluations wait for an answer; the excess is refused at once")
class RulesClientTest {
  Vertx vertx;
  Context context;
  List<Message<Object>> unanswered = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    vertx.eventBus().registerDefaultCodec(EvaluationRequest.class, new org.loyaltyengine.platform.JsonMessageCodec<>(
        EvaluationRequest.class, RulesMessageJson::toJson, RulesMessageJson::request));
    // A worker that takes requests and answers only when told: every evaluation stays pending.
    vertx.eventBus().consumer(RulesVerticle.ADDRESS, unanswered::add).completion().await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  /** Runs on the client's event loop, as in the HTTP verticle. */
  <T> T onLoop(Callable<T> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> {
      try {
        result.complete(action.call());
      } catch (Exception e) {
        result.fail(e);
      }
    });
    return result.future().await();
  }

  @Test
  @DisplayName("the third evaluation with two pending fails at once with Overloaded; an answer frees a slot")
  void boundedPending() {
    RulesClient client = new RulesClient(vertx.eventBus(), 60_000, true, 2);
    EvaluationRequest request = new EvaluationRequest(null, 0, null, null, null, null, null, null);
    Future<RuleVerdict> first = onLoop(() -> client.evaluate(request));
    Future<RuleVerdict> second = onLoop(() -> client.evaluate(request));
    Future<RuleVerdict> third = onLoop(() -> client.evaluate(request));
    assertTrue(third.failed(), "refused without waiting for the 60 s time-out");
    assertInstanceOf(Overloaded.class, third.cause());
    assertTrue(!first.isComplete() && !second.isComplete());

    assertTrue(org.loyaltyengine.testing.Eventually.eventually(5_000, () -> onLoop(unanswered::size) == 2));
    onLoop(() -> {
      unanswered.get(0).fail(500, "worker failed");
      return null;
    });
    assertTrue(org.loyaltyengine.testing.Eventually.eventually(5_000, first::isComplete));
    Future<RuleVerdict> fourth = onLoop(() -> client.evaluate(request));
    assertTrue(!fourth.isComplete(), "accepted (it waits for its answer): the answered one's slot is free again");
    assertTrue(first.failed() && !(first.cause() instanceof Overloaded), "the first got its worker's failure");
  }
}
