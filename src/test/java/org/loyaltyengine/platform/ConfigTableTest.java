package org.loyaltyengine.platform;

import io.vertx.core.json.JsonObject;
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
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README's configuration table against conf/application.yaml: one row per setting, named by the environment
 * variable the engine really reads (ConfigLoader's naming), with the YAML's default; and every
 * {@code # LOYALTY_…} comment in the YAML names the variable of its own key.
 */
@DisplayName("README: the configuration table is the YAML's settings, by their real names and defaults")
class ConfigTableTest {
  private static final Pattern ROW = Pattern.compile("^\\| `(LOYALTY_[A-Z0-9_]+)` \\| (.*?) \\| (.*) \\|$");
  private static final Pattern YAML_KEY = Pattern.compile("^(\\s*)([A-Za-z][A-Za-z0-9]*):(.*)$");
  private static final Pattern COMMENT_NAME = Pattern.compile("#\\s*(LOYALTY_[A-Z0-9_]+)");

  static Map<String, Object> yamlSettings() throws IOException {
    Map<String, Object> tree = new Yaml().load(Files.readString(Path.of("conf/application.yaml")));
    return ConfigLoader.flatten(new JsonObject(tree));
  }

  /** variable -> default cell, as the README's table lists them. */
  static Map<String, String> readmeRows() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    String section = readme.substring(readme.indexOf("### Configuration"));
    Map<String, String> rows = new LinkedHashMap<>();
    for (String line : section.split("\n")) {
      if (line.startsWith("## ")) {
        break;
      }
      if (line.startsWith("| `LOYALTY_")) {
        Matcher m = ROW.matcher(line);
        assertTrue(m.matches(), "one variable per row, `LOYALTY_…` | default | meaning: " + line);
        assertTrue(rows.put(m.group(1), m.group(2)) == null, "the table lists " + m.group(1) + " twice");
      }
    }
    return rows;
  }

  static String shown(Object yamlValue) {
    String s = String.valueOf(yamlValue);
    return s.isEmpty() ? "empty" : "`" + s + "`";
  }

  @Test
  @DisplayName("every YAML setting has a row with its variable and default, and every row is a real setting")
  void tableMatchesYaml() throws IOException {
    Map<String, Object> settings = yamlSettings();
    Map<String, String> rows = readmeRows();
    TreeSet<String> missing = new TreeSet<>(settings.keySet());
    missing.removeAll(rows.keySet());
    TreeSet<String> unknown = new TreeSet<>(rows.keySet());
    unknown.removeAll(settings.keySet());
    unknown.remove("LOYALTY_CONFIG"); // names the file itself
    assertEquals(new TreeSet<>(), missing, "settings in conf/application.yaml without a README row");
    assertEquals(new TreeSet<>(), unknown, "README rows that start-up would refuse as unknown settings");
    List<String> wrongDefaults = new ArrayList<>();
    settings.forEach((name, value) -> {
      if (!shown(value).equals(rows.get(name))) {
        wrongDefaults.add(name + ": README " + rows.get(name) + ", YAML " + shown(value));
      }
    });
    assertEquals(List.of(), wrongDefaults, "defaults in README against conf/application.yaml");
  }

  @Test
  @DisplayName("each variable named in a YAML comment is the one that overrides that key")
  void yamlCommentsNameTheirOwnVariable() throws IOException {
    List<String> wrong = new ArrayList<>();
    String section = null;
    for (String line : Files.readAllLines(Path.of("conf/application.yaml"))) {
      Matcher key = YAML_KEY.matcher(line);
      if (!key.matches()) {
        continue;
      }
      if (key.group(1).isEmpty()) {
        section = key.group(2);
      }
      Matcher name = COMMENT_NAME.matcher(key.group(3));
      if (!key.group(1).isEmpty() && name.find()) {
        String expected = "LOYALTY_" + ConfigLoader.envName(section) + "_" + ConfigLoader.envName(key.group(2));
        if (!name.group(1).equals(expected)) {
          wrong.add(section + "." + key.group(2) + " says " + name.group(1) + ", is " + expected);
        }
      }
    }
    assertEquals(List.of(), wrong);
  }
}
