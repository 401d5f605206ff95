package org.loyaltyengine.events;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one process), run from
 * the Maven Central artifacts we ship in the fat jar: {@code java -jar loyalty-engine.jar kafka} for the
 * demo and local development, and the test suite's broker. Not a production deployment (replication
 * factor 1); production points {@code LOYALTY_KAFKA_BOOTSTRAP} at a real cluster.
 *
 * <p>The broker's settings live in {@code <dir>/server.properties}, written on first start, so a restart
 * on the same directory comes back with the same ports, cluster id and data.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

  private final Path dir;
  private final Properties properties;
  private KafkaRaftServer server;

  private KafkaBroker(Path dir, Properties properties) {
    this.dir = dir;
    this.properties = properties;
  }

  /**
   * Starts a broker on {@code host:port} (0 = a free port) with its data under {@code dir}. When {@code dir}
   * already holds a broker, its settings and data are reused and {@code host}/{@code port} are ignored.
   * Returns once the broker has started (about 2 s on a quiet machine).
   */
  public static KafkaBroker start(Path dir, String host, int port) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve("server.properties");
      Properties props = new Properties();
      if (Files.exists(file)) {
        try (Reader r = Files.newBufferedReader(file)) {
          props.load(r);
        }
      } else {
        props = defaults(dir, host, port == 0 ? freePort(host) : port, freePort("127.0.0.1"));
        try (Writer w = Files.newBufferedWriter(file)) {
          props.store(w, "Loyalty Engine's single-node KRaft broker");
        }
        format(file, props);
      }
      KafkaBroker broker = new KafkaBroker(dir, props);
      broker.startServer();
      return broker;
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare Kafka broker directory " + dir, e);
    }
  }

  private static Properties defaults(Path dir, String host, int port, int controllerPort) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", dir.resolve("data").toAbsolutePath().toString());
    // One node: every internal topic has a single replica.
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "8");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "4");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    // A consumer group forms at once instead of waiting 3 s for more members.
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "true");
    p.put("num.partitions", "8");
    return p;
  }

  private static void format(Path file, Properties props) {
    String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // execute, not main: main calls System.exit.
    int code = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", file.toString(),
        "--ignore-formatted"}, new PrintStream(out, true, StandardCharsets.UTF_8));
    if (code != 0) {
      throw new IllegalStateException("kafka storage format failed: " + out.toString(StandardCharsets.UTF_8));
    }
  }

  private void startServer() {
    server = new KafkaRaftServer(KafkaConfig.fromProps(properties), Time.SYSTEM);
    server.startup();
    log.info("event=kafka_started bootstrap={} dir={}", bootstrap(), dir);
  }

  /** The PLAINTEXT address clients use, e.g. {@code 127.0.0.1:9092}. */
  public String bootstrap() {
    return properties.getProperty("advertised.listeners").substring("PLAINTEXT://".length());
  }

  public Path dir() {
    return dir;
  }

  public synchronized boolean running() {
    return server != null;
  }

  /** Stops the broker, keeping its data: {@link #restart} brings the same broker back. */
  public synchronized void stop() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
      log.info("event=kafka_stopped bootstrap={}", bootstrap());
    }
  }

  public synchronized void restart() {
    if (server == null) {
      startServer();
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(host, 0));
      return s.getLocalPort();
    }
  }

  /** {@code kafka [--host H] [--port P] [--dir D]}: runs a broker until the process is stopped. */
  public static void main(String[] args) {
    String host = "127.0.0.1";
    int port = 9092;
    Path dir = Path.of("data", "kafka");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--host" -> host = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (args.length % 2 != 0) {
      throw new IllegalArgumentException("options come in pairs: --host H --port P --dir D");
    }
    KafkaBroker broker = start(dir, host, port);
    Runtime.getRuntime().addShutdownHook(new Thread(broker::stop, "kafka-shutdown"));
    System.out.println("KAFKA_BOOTSTRAP=" + broker.bootstrap());
    System.out.flush();
  }

  /** A fresh, unique directory for a throwaway broker. */
  public static Path temporaryDir() throws IOException {
    return Files.createTempDirectory("loyalty-kafka-" + UUID.randomUUID().toString().substring(0, 8) + "-");
  }
}
