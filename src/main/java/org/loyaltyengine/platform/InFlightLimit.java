package org.loyaltyengine.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * At most {@code max} calls in flight and at most {@code maxWaiting} waiting in order; a call beyond that
 * fails at once with {@link QueueFull} (an overload: the HTTP layer answers it 503 {@code overloaded}, the
 * workers leave the job for a later poll). One per partner (fulfillment) or webhook subscription, so a slow
 * endpoint holds only its own calls. Not thread-safe: use it on one event loop.
 */
public final class InFlightLimit {
  private final int max;
  private final int maxWaiting;
  private int inFlight;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

  /** The waiting queue is full: the call was not started and will not be. */
  public static final class QueueFull extends RuntimeException {
    public QueueFull(int maxWaiting) {
      super("more than " + maxWaiting + " calls waiting for a slot", null, false, false);
    }
  }

  public InFlightLimit(int max, int maxWaiting) {
    if (max < 1 || maxWaiting < 0) {
      throw new IllegalArgumentException("max must be >= 1 and maxWaiting >= 0");
    }
    this.max = max;
    this.maxWaiting = maxWaiting;
  }

  /** Whether every slot is taken or spoken for: a new call would only queue. */
  public boolean full() {
    return inFlight + waiting.size() >= max;
  }

  public int waiting() {
    return waiting.size();
  }

  public <T> Future<T> run(Supplier<Future<T>> call) {
    if (inFlight >= max && waiting.size() >= maxWaiting) {
      return Future.failedFuture(new QueueFull(maxWaiting));
    }
    Promise<T> result = Promise.promise();
    Runnable start = () -> started(call).onComplete(ar -> {
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

  /** A call that throws instead of failing its future still gives its slot back. */
  private static <T> Future<T> started(Supplier<Future<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
