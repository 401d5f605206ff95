package org.loyaltyengine.testing;

import org.loyaltyengine.events.KafkaBroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Real Kafka brokers for the test suite (KRaft, in this JVM, from the kafka_2.13 artifact): one shared
 * broker started on first use and stopped when the JVM exits, and dedicated brokers for tests that stop
 * and restart theirs. Tests keep apart by topic and consumer-group names, not by broker.
 */
public final class TestKafka implements AutoCloseable {
  private static TestKafka shared;

  private final KafkaBroker broker;

  private TestKafka(KafkaBroker broker) {
    this.broker = broker;
  }

  /** The suite's broker; never close it. */
  public static synchronized TestKafka shared() {
    if (shared == null) {
      shared = dedicated();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "test-kafka-shutdown"));
    }
    return shared;
  }

  /** A broker of the caller's own, on a free port; close it (which also deletes its data). */
  public static TestKafka dedicated() {
    try {
      return new TestKafka(KafkaBroker.start(KafkaBroker.temporaryDir(), "127.0.0.1", 0));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String bootstrap() {
    return broker.bootstrap();
  }

  /** Stops the broker (clients see it as down) keeping its data. */
  public void stop() {
    broker.stop();
  }

  /** Starts a stopped broker again on the same address, with the same data. */
  public void restart() {
    broker.restart();
  }

  @Override
  public void close() {
    broker.stop();
    deleteRecursively(broker.dir());
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A leftover temp directory is harmless.
    }
  }
}
