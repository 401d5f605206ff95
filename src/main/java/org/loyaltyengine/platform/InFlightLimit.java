package org.loyaltyengine.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * At most {@code max} calls in flight; the rest wait in order. One per partner (fulfillment) or webhook
 * subscription, so a slow endpoint holds only its own calls. Not thread-safe: use it on one event loop.
 */
public final class InFlightLimit {
  private final int max;
  private int inFlight;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

  public InFlightLimit(int max) {
    this.max = max;
  }

  /** Whether every slot is taken or spoken for: a new call would only queue. */
  public boolean full() {
    return inFlight + waiting.size() >= max;
  }

  public <T> Future<T> run(Supplier<Future<T>> call) {
    Promise<T> result = Promise.promise();
    Runnable start = () -> call.get().onComplete(ar -> {
      inFlight--;
      Runnable next = waiting.poll();
      if (next != null) {
        inFlight++;
        next.run();
      }
      result.handle(ar);
    });
    if (inFlight < max) {
      inFlight++;
      start.run();
    } else {
      waiting.add(start);
    }
    return result.future();
  }
}
