package org.loyaltyengine.platform;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

import java.util.List;

/**
 * The node-level entries of {@code GET /health/ready}: {@code cluster} (clustered mode only) with the member
 * count and this node's id and event-bus address, and {@code singletons} with the leases this node holds.
 */
public final class NodeHealth {
  private NodeHealth() {}

  public static void register(HealthChecks checks, Vertx vertx) {
    if (vertx.isClustered()) {
      // Vert.x's own cluster health check reaches the cluster manager the same way.
      ClusterManager cluster = ((VertxInternal) vertx).clusterManager();
      checks.register("cluster", 1000, p -> p.complete(cluster(cluster)));
    }
    checks.register("singletons", 1000, p -> p.complete(Status.OK(
        new JsonObject().put("held", new JsonArray(AdvisoryLease.heldOn(vertx))))));
  }

  /** Down once this node has left (or lost) the cluster: it would no longer hear configuration changes. */
  private static Status cluster(ClusterManager cluster) {
    if (!cluster.isActive()) {
      return Status.KO(new JsonObject().put("error", "this node is not in the cluster"));
    }
    List<String> nodes = cluster.getNodes();
    NodeInfo self = cluster.getNodeInfo();
    return Status.OK(new JsonObject()
        .put("members", nodes.size())
        .put("nodeId", cluster.getNodeId())
        .put("address", self == null ? null : self.host() + ":" + self.port())
        .put("nodes", new JsonArray(nodes.stream().sorted().toList())));
  }
}
