package org.loyaltyengine.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * Group commit: concurrent writes are gathered into one statement and one commit, and each caller still gets
 * its own answer, only after that commit (docs/ledger.md, "Group commit").
 *
 * <p>Writes are sorted into lanes ({@code lane(item)}: e.g. the tenant and the member's id modulo a lane
 * count, so one member's writes never race each other on this node). A lane has at most one batch in flight.
 * A write that finds its lane idle is sent at once (with {@code windowMs} 0) — alone at low load, so no added
 * latency; writes that arrive while the lane's batch is in flight wait and leave together, up to
 * {@code maxBatch}, as soon as it returns. A lane holds at most {@code maxQueued} waiting writes; one more is
 * refused at once with {@link Overloaded} (503).
 *
 * <p>When a batch fails as a whole (a conflict only the database could see, or one bad write), each of its
 * writes is applied alone, so it fails only its own caller. When a batch applies some writes and hands others
 * back ({@code null} results: e.g. not applied because another was a replay), those go first in the next batch.
 * Not thread-safe: each event loop (verticle instance) has its own.
 */
public final class GroupCommitter<T, R> {

  /**
   * @param maxBatch  most writes in one statement
   * @param windowMs  how long a write finding its lane idle waits for company; 0 = leave at once
   * @param lanes     batches in flight at once per group (e.g. per tenant)
   * @param maxQueued writes waiting per lane; more are refused (503 overloaded)
   */
  public record Settings(int maxBatch, long windowMs, int lanes, int maxQueued) {
    public Settings {
      if (maxBatch < 1 || windowMs < 0 || lanes < 1 || maxQueued < 1) {
        throw new IllegalArgumentException("maxBatch, lanes and maxQueued must be >= 1 and windowMs >= 0");
      }
    }
  }

  /** Runs {@code task} after {@code delayMs} on the committer's event loop (Vert.x: {@code vertx.setTimer}). */
  @FunctionalInterface
  public interface Timer {
    void schedule(long delayMs, Runnable task);
  }

  /** What the committer reports per batch: its size (for a histogram). */
  @FunctionalInterface
  public interface Observer {
    void batch(int size, boolean failed);
  }

  private final Settings settings;
  private final Timer timer;
  private final Function<T, Object> lane;
  private final BiPredicate<T, T> compatible;
  private final Function<List<T>, Future<List<R>>> applyBatch;
  private final Function<T, Future<R>> applyAlone;
  private final Observer observer;
  private final Map<Object, Lane> lanes = new HashMap<>();

  /**
   * @param compatible whether the second write may share a batch with the first (the batch's first write)
   * @param applyBatch applies writes in one statement: one result per write, in order, or {@code null} for a
   *                   write handed back unapplied
   * @param applyAlone applies one write in its own statement
   */
  public GroupCommitter(Settings settings, Timer timer, Function<T, Object> lane, BiPredicate<T, T> compatible,
                        Function<List<T>, Future<List<R>>> applyBatch, Function<T, Future<R>> applyAlone,
                        Observer observer) {
    this.settings = settings;
    this.timer = timer;
    this.lane = lane;
    this.compatible = compatible;
    this.applyBatch = applyBatch;
    this.applyAlone = applyAlone;
    this.observer = observer;
  }

  private final class Waiting {
    final T item;
    final Promise<R> promise = Promise.promise();
    int handedBack;

    Waiting(T item) {
      this.item = item;
    }
  }

  private final class Lane {
    final Object key;
    final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    boolean busy;
    boolean timerSet;

    Lane(Object key) {
      this.key = key;
    }
  }

  /** Lanes with writes waiting or in flight (idle lanes are dropped). */
  public int activeLanes() {
    return lanes.size();
  }

  public Future<R> submit(T item) {
    Object key = lane.apply(item);
    Lane l = lanes.computeIfAbsent(key, Lane::new);
    if (l.queue.size() >= settings.maxQueued()) {
      return Future.failedFuture(new Overloaded("more than " + settings.maxQueued() + " writes waiting in one lane"));
    }
    Waiting w = new Waiting(item);
    l.queue.addLast(w);
    if (!l.busy) {
      if (settings.windowMs() == 0 || l.queue.size() >= settings.maxBatch()) {
        send(l);
      } else if (!l.timerSet) {
        l.timerSet = true;
        timer.schedule(settings.windowMs(), () -> {
          l.timerSet = false;
          if (!l.busy && !l.queue.isEmpty()) {
            send(l);
          }
        });
      }
    }
    return w.promise.future();
  }

  private void send(Lane l) {
    List<Waiting> batch = new ArrayList<>();
    T first = l.queue.peekFirst().item;
    for (Iterator<Waiting> it = l.queue.iterator(); it.hasNext() && batch.size() < settings.maxBatch(); ) {
      Waiting w = it.next();
      if (batch.isEmpty() || compatible.test(first, w.item)) {
        batch.add(w);
        it.remove();
      }
    }
    l.busy = true;
    Future<?> done = batch.size() == 1 ? alone(batch.get(0)) : together(l, batch);
    done.onComplete(ar -> {
      l.busy = false;
      if (!l.queue.isEmpty()) {
        send(l); // they have waited a whole batch already
      } else if (!l.timerSet) {
        lanes.remove(l.key);
      }
    });
  }

  private Future<R> alone(Waiting w) {
    Future<R> f;
    try {
      f = applyAlone.apply(w.item);
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(w.promise);
    return f;
  }

  private Future<?> together(Lane l, List<Waiting> batch) {
    Future<List<R>> f;
    try {
      f = applyBatch.apply(batch.stream().map(w -> w.item).toList());
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.transform(ar -> {
      observer.batch(batch.size(), ar.failed());
      if (ar.failed() || ar.result().size() != batch.size()) {
        // One of them (or the batch) failed: each alone, so a failure reaches only its own caller.
        return Future.join(batch.stream().map(this::alone).toList());
      }
      List<Waiting> handedBack = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        R r = ar.result().get(i);
        if (r != null) {
          batch.get(i).promise.complete(r);
        } else {
          handedBack.add(batch.get(i));
        }
      }
      List<Future<R>> again = new ArrayList<>();
      for (int i = handedBack.size() - 1; i >= 0; i--) {
        Waiting w = handedBack.get(i);
        if (++w.handedBack > 2) {
          again.add(alone(w)); // never handed back forever
        } else {
          l.queue.addFirst(w);
        }
      }
      return again.isEmpty() ? Future.succeededFuture() : Future.join(again);
    });
  }
}
