package org.loyaltyengine.platform;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code conf/application.yaml} (from the working directory, else the copy inside the jar, or the
 * file named by {@code LOYALTY_CONFIG}) with Vert.x Config, then lets an environment variable override
 * each key: {@code pg.readUrl} is overridden by {@code LOYALTY_PG_READ_URL}. Only keys present in the YAML
 * exist, so a typo in a variable name cannot silently configure nothing: unknown LOYALTY_ variables fail.
 */
public final class ConfigLoader {
  public static final String DEFAULT_PATH = "conf/application.yaml";
  private static final String PREFIX = "LOYALTY_";

  private ConfigLoader() {}

  /** Blocking: call from the main thread or a test thread, never an event loop. */
  public static AppConfig load(Vertx vertx, Map<String, String> env) {
    String path = env.getOrDefault("LOYALTY_CONFIG", DEFAULT_PATH);
    ConfigStoreOptions yaml = new ConfigStoreOptions().setType("file").setFormat("yaml")
        .setConfig(new JsonObject().put("path", path));
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().addStore(yaml).setScanPeriod(0));
    JsonObject tree;
    try {
      tree = retriever.getConfig().await();
    } catch (Exception e) {
      throw new ConfigException("cannot read configuration file " + path + ": " + e.getMessage());
    } finally {
      retriever.close();
    }
    return AppConfig.from(overlay(flatten(tree), env));
  }

  /** {@code {pg: {readUrl: x}}} becomes {@code LOYALTY_PG_READ_URL = x}. */
  static Map<String, Object> flatten(JsonObject tree) {
    Map<String, Object> out = new LinkedHashMap<>();
    flatten(PREFIX, tree, out);
    return out;
  }

  private static void flatten(String prefix, JsonObject node, Map<String, Object> out) {
    for (String key : node.fieldNames()) {
      Object value = node.getValue(key);
      String name = prefix + envName(key);
      if (value instanceof JsonObject child) {
        flatten(name + "_", child, out);
      } else {
        out.put(name, value);
      }
    }
  }

  static String envName(String camelKey) {
    return camelKey.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  static Map<String, Object> overlay(Map<String, Object> defaults, Map<String, String> env) {
    Map<String, Object> merged = new LinkedHashMap<>(defaults);
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(PREFIX) || name.equals("LOYALTY_CONFIG")) {
        continue;
      }
      if (!defaults.containsKey(name)) {
        throw new ConfigException(name + " is not a known setting (see conf/application.yaml)");
      }
      merged.put(name, e.getValue());
    }
    return merged;
  }
}
