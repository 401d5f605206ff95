package org.loyaltyengine;

import org.loyaltyengine.events.KafkaBroker;
import org.loyaltyengine.fulfillment.sim.PartnerSimulator;
import org.loyaltyengine.platform.ConfigException;
import org.loyaltyengine.platform.LoyaltyServer;
import org.loyaltyengine.seed.Seeder;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** {@code java -jar loyalty-engine.jar [serve [--cluster] | seed ... | partner-sim ... | kafka ...]}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    String command = args.length == 0 ? "serve" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (command) {
        case "serve" -> serve(rest);
        case "seed" -> Seeder.main(rest);
        case "partner-sim" -> PartnerSimulator.main(rest);
        case "kafka" -> KafkaBroker.main(rest);
        case "help", "--help", "-h" -> usage(0);
        default -> usage(2);
      }
    } catch (ConfigException e) {
      System.err.println("loyalty-engine: " + e.getMessage());
      System.exit(2);
    }
  }

  private static void serve(String[] args) {
    Map<String, String> env = new HashMap<>(System.getenv());
    for (String arg : args) {
      if (!arg.equals("--cluster")) {
        throw new ConfigException("serve takes only --cluster (got " + arg + ")");
      }
      env.put("LOYALTY_CLUSTER_ENABLED", "true"); // the flag and the variable are one setting
    }
    LoyaltyServer server = LoyaltyServer.start(env);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
  }

  private static void usage(int exitCode) {
    System.err.println("""
        usage: java -jar loyalty-engine.jar [command]
          serve [--cluster]     start the API server (default); configured by conf/application.yaml and LOYALTY_* variables;
                                --cluster joins the nodes of LOYALTY_CLUSTER_MEMBERS through conf/cluster.xml (docs/cluster.md)
          seed --tenant NAME --members N [--transactions-per-member K] [--export FILE.csv]
                                fill a tenant with consistent demo data and print an admin key
          partner-sim [--port 9090] [--host 127.0.0.1] [--latency-ms MS] [--error-rate R] [--permanent-error-rate R]
                      [--timeout-rate R] [--api-key KEY]
                                a gift-card partner simulator over HTTP (docs/partner-simulator.md); runs until killed
          kafka [--host 127.0.0.1] [--port 9092] [--dir data/kafka]
                                a real single-node Kafka broker (KRaft) for the demo and development; runs until killed""");
    System.exit(exitCode);
  }
}
