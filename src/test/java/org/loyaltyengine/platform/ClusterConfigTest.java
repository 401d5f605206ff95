package org.loyaltyengine.platform;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Clustered mode configuration: conf/cluster.xml with the LOYALTY_CLUSTER_* settings on top")
class ClusterConfigTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static AppConfig.Cluster cluster(Map<String, String> env) {
    return ConfigLoader.load(vertx, env).cluster();
  }

  @Test
  @DisplayName("by default a node is not clustered and would join 127.0.0.1:5701 over TCP/IP, multicast off")
  void defaults() {
    AppConfig.Cluster c = cluster(Map.of());
    assertFalse(c.enabled());
    Config hz = ClusterConfig.hazelcast(c);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertFalse(join.getMulticastConfig().isEnabled());
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:5701"), join.getTcpIpConfig().getMembers());
    assertEquals("loyalty-engine", hz.getClusterName());
    assertEquals(5701, hz.getNetworkConfig().getPort());
  }

  @Test
  @DisplayName("the file keeps the Vert.x subscription and node maps with a backup each")
  void vertxMaps() {
    Config hz = ClusterConfig.hazelcast(cluster(Map.of()));
    assertEquals(1, hz.getMultiMapConfig("__vertx.subs").getBackupCount());
    assertEquals(1, hz.getMapConfig("__vertx.nodeInfo").getBackupCount());
    assertEquals(1, hz.getMapConfig("__vertx.haInfo").getBackupCount());
    assertEquals("0", hz.getProperty("hazelcast.wait.seconds.before.join"));
  }

  @Test
  @DisplayName("host, port, members and name come from the environment, and the port never drifts")
  void overrides() {
    Config hz = ClusterConfig.hazelcast(cluster(Map.of("LOYALTY_CLUSTER_HOST", "10.0.0.5",
        "LOYALTY_CLUSTER_PORT", "6001", "LOYALTY_CLUSTER_NAME", "loyalty-staging",
        "LOYALTY_CLUSTER_MEMBERS", " 10.0.0.5:6001, 10.0.0.6:6001 ,10.0.0.7")));
    assertEquals("loyalty-staging", hz.getClusterName());
    assertEquals(6001, hz.getNetworkConfig().getPort());
    assertFalse(hz.getNetworkConfig().isPortAutoIncrement());
    assertEquals(List.of("10.0.0.5"), List.copyOf(hz.getNetworkConfig().getInterfaces().getInterfaces()));
    assertEquals("10.0.0.5:6001", hz.getNetworkConfig().getPublicAddress());
    assertEquals(List.of("10.0.0.5:6001", "10.0.0.6:6001", "10.0.0.7"),
        hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
    assertEquals("10.0.0.5", ClusterConfig.eventBus(cluster(Map.of("LOYALTY_CLUSTER_HOST", "10.0.0.5"))).getHost());
  }

  @Test
  @DisplayName("an empty member list keeps the file's own join section (how Kubernetes discovery is switched on)")
  void emptyMembersKeepTheFile() {
    Config hz = ClusterConfig.hazelcast(cluster(Map.of("LOYALTY_CLUSTER_MEMBERS", "", "LOYALTY_CLUSTER_HOST", "")));
    assertEquals(List.of("127.0.0.1:5701"), hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
    assertFalse(hz.getNetworkConfig().getInterfaces().isEnabled());
  }

  @Test
  @DisplayName("a missing file path falls back to the copy inside the jar; an unreadable one fails with its name")
  void fileFallback() {
    assertNotNull(ClusterConfig.hazelcast(cluster(Map.of("LOYALTY_CLUSTER_CONFIG_FILE", "conf/cluster.xml"))));
    ConfigException e = assertThrows(ConfigException.class, () -> ClusterConfig.hazelcast(
        cluster(Map.of("LOYALTY_CLUSTER_CONFIG_FILE", "no/such/cluster.xml"))));
    assertEquals("LOYALTY_CLUSTER_CONFIG_FILE: no file no/such/cluster.xml (nor a copy inside the jar)", e.getMessage());
  }

  @Test
  @DisplayName("bad cluster settings fail fast with one line naming the variable")
  void badValues() {
    assertMessage("LOYALTY_CLUSTER_MEMBERS must be a comma list of host or host:port (got \"10.0.0.5:port\")",
        Map.of("LOYALTY_CLUSTER_MEMBERS", "10.0.0.5:port"));
    assertMessage("LOYALTY_CLUSTER_HOST must be an IP address of this machine, or empty (got \"node-1.local\")",
        Map.of("LOYALTY_CLUSTER_HOST", "node-1.local"));
    assertMessage("LOYALTY_CLUSTER_NAME must be 1-64 characters of [A-Za-z0-9._-]", Map.of("LOYALTY_CLUSTER_NAME", "a b"));
    assertMessage("LOYALTY_CLUSTER_PORT must be between 1 and 65535 (got 0)", Map.of("LOYALTY_CLUSTER_PORT", "0"));
    assertMessage("LOYALTY_JOBS_LEASE_RETRY_MS must be between 100 and 5000 (got 20000)",
        Map.of("LOYALTY_JOBS_LEASE_RETRY_MS", "20000"));
  }

  @Test
  @DisplayName("a node without rules workers is only allowed in a cluster, where other nodes evaluate for it")
  void rulesElsewhereNeedsACluster() {
    assertMessage("LOYALTY_RULES_ENABLED=false needs clustered mode: a single node must evaluate rules itself",
        Map.of("LOYALTY_RULES_ENABLED", "false"));
    assertFalse(ConfigLoader.load(vertx, Map.of("LOYALTY_RULES_ENABLED", "false", "LOYALTY_CLUSTER_ENABLED", "true"))
        .rules().enabled());
  }

  private static void assertMessage(String expected, Map<String, String> env) {
    assertEquals(expected, assertThrows(ConfigException.class, () -> ConfigLoader.load(vertx, env)).getMessage());
  }
}
