package org.loyaltyengine.platform;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployment files in docker/ against the engine they deploy, offline: no Docker engine or Kubernetes
 * cluster runs here (scripts/validate-deploy.sh adds compose, nginx and schema checks where those tools exist).
 */
@DisplayName("Deployment files (docker/compose.yml, docker/k8s) fit the engine")
class DeploymentFilesTest {
  /**
   * Settings of clustered mode and the Kafka relay, being added on other branches: the files already set them,
   * and the engine of this branch would refuse them. Each leaves this set once conf/application.yaml has it.
   */
  private static final Set<String> PENDING_KEYS =
      Set.of("LOYALTY_CLUSTER_HOST", "LOYALTY_CLUSTER_MEMBERS", "LOYALTY_KAFKA_BOOTSTRAP");
  private static final Pattern DEFAULTED_VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+):-([^}]*)}");
  private static final List<String> NODES = List.of("node1", "node2", "node3");
  private static final String POD_LABEL = "app.kubernetes.io/name";

  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  @DisplayName("the engine accepts the environment each compose node and the seeder get")
  void composeEnvironmentIsAccepted() {
    Map<String, Object> services = map(compose(), "services");
    for (String service : List.of("node1", "node2", "node3", "seed")) {
      Map<String, String> env = strings(map(map(services, service), "environment"));
      assertTrue(env.containsKey("LOYALTY_PG_URL"), service + " sets no database");
      assertLoads(service, env);
    }
  }

  @Test
  @DisplayName("the engine accepts the environment a Kubernetes pod gets from the ConfigMap, the Secret and the Deployment")
  void kubernetesEnvironmentIsAccepted() {
    Map<String, String> env = new LinkedHashMap<>(strings(map(k8s("configmap.yaml"), "data")));
    env.putAll(strings(map(k8s("secret.example.yaml"), "stringData")));
    for (Map<String, Object> var : list(container(), "env")) {
      // valueFrom entries (the pod's IP) have no literal value; any address stands for it.
      env.put((String) var.get("name"), var.containsKey("value") ? (String) var.get("value") : "10.0.0.7");
    }
    assertLoads("the pod", env);
  }

  @Test
  @DisplayName("every compose node runs clustered, under its own address, and knows all three members")
  void composeNodesFormOneCluster() {
    Map<String, Object> services = map(compose(), "services");
    for (String node : NODES) {
      Map<String, Object> service = map(services, node);
      assertEquals(List.of("serve", "--cluster"), service.get("command"), node);
      Map<String, String> env = strings(map(service, "environment"));
      assertEquals(node, env.get("LOYALTY_CLUSTER_HOST"));
      assertEquals(Set.copyOf(NODES), Set.of(env.get("LOYALTY_CLUSTER_MEMBERS").split(",")), node);
      assertEquals(node, service.get("hostname"));
      assertTrue(String.valueOf(map(service, "healthcheck").get("test")).contains("/health/ready"), node);
    }
  }

  @Test
  @DisplayName("the balancer sends to exactly the three nodes and starts only once they are healthy")
  void balancerCoversTheNodes() throws IOException {
    Matcher upstream = Pattern.compile("server (\\w+):8080").matcher(Files.readString(Path.of("docker/nginx.conf")));
    List<String> servers = new ArrayList<>();
    while (upstream.find()) {
      servers.add(upstream.group(1));
    }
    assertEquals(NODES, servers);
    Map<String, Object> dependsOn = map(map(map(compose(), "services"), "lb"), "depends_on");
    assertEquals(Set.copyOf(NODES), dependsOn.keySet());
    dependsOn.values().forEach(d -> assertEquals("service_healthy", ((Map<?, ?>) d).get("condition")));
  }

  @Test
  @DisplayName("pods are probed on the engine's health endpoints: liveness and start-up on /health/live, readiness on /health/ready")
  void probesUseTheHealthEndpoints() {
    Map<String, Object> container = container();
    assertEquals("/health/live", probePath(container, "livenessProbe"));
    assertEquals("/health/live", probePath(container, "startupProbe"));
    assertEquals("/health/ready", probePath(container, "readinessProbe"));
    Set<Object> ports = list(container, "ports").stream().map(p -> p.get("containerPort")).collect(Collectors.toSet());
    assertEquals(Set.of(8080, 5701, 9464), ports); // API, Hazelcast, the metrics port (LOYALTY_METRICS_PORT in the ConfigMap)
    assertEquals(List.of("serve", "--cluster"), container.get("args"));
  }

  @Test
  @DisplayName("both Services select the Deployment's pods; the discovery one is headless and lists pods before they are ready")
  void servicesSelectThePods() {
    Map<String, Object> podLabels = map(map(map(map(k8s("deployment.yaml"), "spec"), "template"), "metadata"), "labels");
    Map<String, Object> selector = map(map(map(k8s("deployment.yaml"), "spec"), "selector"), "matchLabels");
    assertEquals(podLabels.get(POD_LABEL), selector.get(POD_LABEL));
    for (String file : List.of("service.yaml", "service-headless.yaml")) {
      Map<String, Object> spec = map(k8s(file), "spec");
      assertEquals(podLabels.get(POD_LABEL), map(spec, "selector").get(POD_LABEL), file);
    }
    Map<String, Object> headless = map(k8s("service-headless.yaml"), "spec");
    assertEquals("None", headless.get("clusterIP"));
    assertEquals(Boolean.TRUE, headless.get("publishNotReadyAddresses"));
    assertEquals("hazelcast", list(headless, "ports").get(0).get("targetPort"));
    String members = strings(map(k8s("configmap.yaml"), "data")).get("LOYALTY_CLUSTER_MEMBERS");
    assertTrue(members.startsWith(map(k8s("service-headless.yaml"), "metadata").get("name") + "."), members);
  }

  @Test
  @DisplayName("the autoscaler scales the Deployment on CPU at 60 % of the request, from the three-node floor")
  void autoscalerOnCpu() {
    Map<String, Object> spec = map(k8s("hpa.yaml"), "spec");
    assertEquals("autoscaling/v2", k8s("hpa.yaml").get("apiVersion"));
    assertEquals(map(k8s("deployment.yaml"), "metadata").get("name"), map(spec, "scaleTargetRef").get("name"));
    Map<String, Object> resource = map(list(spec, "metrics").get(0), "resource");
    assertEquals("cpu", resource.get("name"));
    assertEquals(60, map(resource, "target").get("averageUtilization"));
    assertEquals(3, spec.get("minReplicas"));
    // Utilization is a share of the request: without one the autoscaler has nothing to measure against.
    assertNotNull(map(map(container(), "resources"), "requests").get("cpu"));
  }

  @Test
  @DisplayName("the image runs as a non-root user and exposes the HTTP and Hazelcast ports")
  void imageIsNonRoot() throws IOException {
    String dockerfile = Files.readString(Path.of("docker/Dockerfile"));
    List<String> users = dockerfile.lines().filter(l -> l.startsWith("USER ")).toList();
    assertFalse(users.isEmpty());
    users.forEach(u -> assertFalse(u.matches("USER (root|0)(:.*)?"), u));
    assertTrue(dockerfile.contains("EXPOSE 8080 5701"));
    assertTrue(dockerfile.contains("-XX:MaxRAMPercentage") && dockerfile.contains("-XX:+ExitOnOutOfMemoryError"));
    Map<String, Object> podSecurity = map(map(map(map(k8s("deployment.yaml"), "spec"), "template"), "spec"),
        "securityContext");
    assertEquals(Boolean.TRUE, podSecurity.get("runAsNonRoot"));
  }

  /** Loads the configuration exactly as the server does, from this environment minus the pending keys. */
  private static void assertLoads(String who, Map<String, String> env) {
    Map<String, String> known = new LinkedHashMap<>(env);
    Set<String> unknown = new TreeSet<>();
    for (String name : env.keySet()) {
      if (PENDING_KEYS.contains(name)) {
        known.remove(name);
      } else if (name.startsWith("LOYALTY_")) {
        try {
          ConfigLoader.load(vertx, Map.of(name, env.get(name)));
        } catch (ConfigException e) {
          unknown.add(name + " (" + e.getMessage() + ")");
        }
      }
    }
    assertEquals(Set.of(), unknown, who + ": settings the engine refuses");
    AppConfig config = ConfigLoader.load(vertx, known);
    assertNotNull(config.pg().url(), who);
  }

  private static Map<String, Object> compose() {
    return yaml(Path.of("docker/compose.yml"));
  }

  private static Map<String, Object> k8s(String file) {
    return yaml(Path.of("docker/k8s", file));
  }

  private static Map<String, Object> container() {
    Map<String, Object> podSpec = map(map(map(k8s("deployment.yaml"), "spec"), "template"), "spec");
    List<Map<String, Object>> containers = list(podSpec, "containers");
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  private static String probePath(Map<String, Object> container, String probe) {
    Map<String, Object> get = map(map(container, probe), "httpGet");
    assertEquals("http", get.get("port"), probe);
    return (String) get.get("path");
  }

  /** Compose's {@code ${NAME:-default}} resolved to the default, as with an empty shell environment. */
  private static Map<String, String> strings(Map<String, Object> values) {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, DEFAULTED_VARIABLE.matcher(String.valueOf(v)).replaceAll("$2")));
    return out;
  }

  private static Map<String, Object> yaml(Path file) {
    try {
      return new Yaml().load(Files.readString(file));
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object child = parent.get(key);
    assertTrue(child instanceof Map, key + " is not a mapping: " + child);
    return (Map<String, Object>) child;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
    Object child = parent.get(key);
    assertTrue(child instanceof List, key + " is not a list: " + child);
    return (List<Map<String, Object>>) child;
  }
}
