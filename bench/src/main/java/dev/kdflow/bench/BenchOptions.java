package dev.kdflow.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --option value} command lines of the benchmark programs. */
final class BenchOptions {
  private BenchOptions() {}

  /**
   * Reads {@code --name value} pairs from {@code args[from]} on.
   *
   * @param known the option names (without {@code --}) the program takes; any other is an error
   * @return value by option name, in the order given
   */
  static Map<String, String> parse(String[] args, int from, List<String> known) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = from; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      String name = args[i].substring(2);
      if (!known.contains(name)) {
        throw new IllegalArgumentException(
            "unknown option --" + name + " (options: --" + String.join(", --", known) + ")");
      }
      options.put(name, args[++i]);
    }
    return options;
  }
}
