package org.loyaltyengine.events;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A test consumer that keeps what it was given, and can fail its first batches on purpose. */
final class RecordingConsumer implements EventConsumer {
  private final String group;
  private final AtomicInteger failuresLeft;
  private final List<DomainEvent> received = new ArrayList<>();
  private final List<List<DomainEvent>> failed = new ArrayList<>();

  RecordingConsumer(String group, int failFirst) {
    this.group = group;
    this.failuresLeft = new AtomicInteger(failFirst);
  }

  @Override
  public String group() {
    return group;
  }

  @Override
  public synchronized Future<Void> handle(List<DomainEvent> batch) {
    if (failuresLeft.getAndDecrement() > 0) {
      failed.add(List.copyOf(batch));
      return Future.failedFuture(new IllegalStateException("failing on purpose"));
    }
    received.addAll(batch);
    return Future.succeededFuture();
  }

  synchronized List<DomainEvent> received() {
    return List.copyOf(received);
  }

  synchronized long distinctReceived() {
    return received.stream().map(DomainEvent::eventId).distinct().count();
  }

  synchronized List<List<DomainEvent>> failedBatches() {
    return List.copyOf(failed);
  }
}
