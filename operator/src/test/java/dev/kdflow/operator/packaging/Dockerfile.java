package dev.kdflow.operator.packaging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A Dockerfile read into instructions, enough to check what an image promises: line continuations
 * joined, comments dropped, instructions grouped by build stage.
 */
final class Dockerfile {
  /** One instruction: upper-case keyword and its raw arguments. */
  record Instruction(String keyword, String arguments) {}

  /** A build stage: its {@code FROM} arguments and the instructions that follow it. */
  record Stage(String from, List<Instruction> instructions) {
    List<Instruction> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    Optional<Instruction> last(String keyword) {
      List<Instruction> found = all(keyword);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
    }

    /** The stage's name from {@code FROM image AS name}, or empty. */
    String name() {
      String[] words = from.trim().split("\\s+");
      return words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2] : "";
    }

    /** Every {@code ENV} of the stage, later values winning. */
    Map<String, String> env() {
      Map<String, String> env = new LinkedHashMap<>();
      all("ENV").forEach(i -> env.putAll(keyValues(i.arguments())));
      return env;
    }
  }

  final List<Instruction> globalArgs = new ArrayList<>();
  final List<Stage> stages = new ArrayList<>();

  static Dockerfile read(Path file) throws IOException {
    Dockerfile dockerfile = new Dockerfile();
    List<Instruction> current = null;
    StringBuilder logical = new StringBuilder();
    for (String line : Files.readAllLines(file)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && logical.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        logical.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      logical.append(trimmed);
      String text = logical.toString().strip();
      logical.setLength(0);
      if (text.isEmpty()) {
        continue;
      }
      String[] parts = text.split("\\s+", 2);
      Instruction instruction =
          new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : "");
      if (instruction.keyword().equals("FROM")) {
        current = new ArrayList<>();
        dockerfile.stages.add(new Stage(instruction.arguments(), current));
      } else if (current == null) {
        dockerfile.globalArgs.add(instruction);
      } else {
        current.add(instruction);
      }
    }
    return dockerfile;
  }

  /** The stage the image is built from: the last one. */
  Stage finalStage() {
    return stages.get(stages.size() - 1);
  }

  Optional<Stage> stage(String name) {
    return stages.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** Default values of the {@code ARG}s declared before the first {@code FROM}. */
  Map<String, String> globalArgDefaults() {
    Map<String, String> args = new LinkedHashMap<>();
    globalArgs.stream()
        .filter(i -> i.keyword().equals("ARG"))
        .forEach(i -> args.putAll(keyValues(i.arguments())));
    return args;
  }

  /** Parses {@code KEY=value KEY2="quoted value"} as used by ENV, ARG and LABEL. */
  static Map<String, String> keyValues(String arguments) {
    Map<String, String> values = new LinkedHashMap<>();
    int i = 0;
    int n = arguments.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(arguments.charAt(i))) {
        i++;
      }
      int keyStart = i;
      while (i < n && arguments.charAt(i) != '=' && !Character.isWhitespace(arguments.charAt(i))) {
        i++;
      }
      if (keyStart == i) {
        break;
      }
      String key = arguments.substring(keyStart, i);
      StringBuilder value = new StringBuilder();
      if (i < n && arguments.charAt(i) == '=') {
        i++;
        boolean quoted = false;
        while (i < n && (quoted || !Character.isWhitespace(arguments.charAt(i)))) {
          char c = arguments.charAt(i++);
          if (c == '"') {
            quoted = !quoted;
          } else {
            value.append(c);
          }
        }
      }
      values.put(key, value.toString());
    }
    return values;
  }
}
