package org.loyaltyengine.platform;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.eventbus.EventBusOptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Hazelcast configuration of clustered mode: {@code cluster.configFile} (conf/cluster.xml; the copy inside
 * the jar when the path does not exist) with the {@code cluster.*} settings applied on top, so that the usual
 * LOYALTY_CLUSTER_* variables are enough to place a node without editing XML.
 */
public final class ClusterConfig {
  private ClusterConfig() {}

  /** Blocking (reads a file): call at start-up, never on an event loop. */
  public static Config hazelcast(AppConfig.Cluster cluster) {
    Config config = read(cluster.configFile());
    config.setClusterName(cluster.name());
    NetworkConfig network = config.getNetworkConfig();
    // Exactly the configured port: a node that silently moved to the next one would not be in the others' lists.
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    if (!cluster.host().isEmpty()) {
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.host()));
      network.setPublicAddress(cluster.host() + ":" + cluster.port());
      config.setProperty("hazelcast.socket.bind.any", "false");
    }
    List<String> members = cluster.memberList();
    if (!members.isEmpty()) {
      JoinConfig join = network.getJoin();
      join.getMulticastConfig().setEnabled(false);
      join.getAutoDetectionConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(members);
    }
    return config;
  }

  /** The clustered event bus listens on {@code cluster.host} (when set) and {@code cluster.eventBusPort}. */
  public static EventBusOptions eventBus(AppConfig.Cluster cluster) {
    EventBusOptions options = new EventBusOptions().setPort(cluster.eventBusPort());
    if (!cluster.host().isEmpty()) {
      options.setHost(cluster.host()).setClusterPublicHost(cluster.host());
    }
    return options;
  }

  private static Config read(String file) {
    Path path = Path.of(file);
    try (InputStream in = Files.exists(path) ? Files.newInputStream(path)
        : ClusterConfig.class.getClassLoader().getResourceAsStream(file)) {
      if (in == null) {
        throw new ConfigException("LOYALTY_CLUSTER_CONFIG_FILE: no file " + file + " (nor a copy inside the jar)");
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    } catch (RuntimeException e) {
      if (e instanceof ConfigException) {
        throw e;
      }
      throw new ConfigException("invalid Hazelcast configuration " + file + ": " + e.getMessage());
    }
  }
}
