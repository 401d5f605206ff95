package org.loyaltyengine.platform;

import java.util.ArrayList;
import java.util.List;

/** A subcommand's arguments as {@code --name value} or {@code --name=value} pairs, in order. */
public final class CommandLineOptions {
  public record Option(String name, String value) {}

  private CommandLineOptions() {}

  public static List<Option> parse(String command, String[] args) {
    List<Option> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      String value;
      int eq = name.indexOf('=');
      if (name.startsWith("--") && eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new ConfigException(command + ": " + name + " needs a value");
      }
      out.add(new Option(name, value));
    }
    return out;
  }
}
