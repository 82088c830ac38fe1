package dev.kdflow.trainer.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The trainer's packages form no dependency cycle: a package that needs another must not be needed
 * by it, directly or through others. Dependencies are read from the main sources' imports and from
 * fully qualified names in their code ({@code dev.kdflow.trainer.x.Type}).
 */
class PackageCycleTest {
  private static final String ROOT = "dev.kdflow.trainer";
  private static final Pattern PACKAGE =
      Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
  private static final Pattern REFERENCE =
      Pattern.compile("\\b(dev\\.kdflow\\.trainer(?:\\.[a-z]\\w*)*)\\.[A-Z]");

  @Test
  void mainSourcesHaveNoPackageCycle() throws IOException {
    Map<String, Set<String>> graph = graphOf(Path.of("src/main/java"));
    assertThat(graph).as("packages found under src/main/java").hasSizeGreaterThan(5);
    assertThat(cycles(graph))
        .as("package cycles (each listed as a path back to its start)")
        .isEmpty();
  }

  @Test
  void aCycleIsFound() {
    Map<String, Set<String>> graph = new TreeMap<>();
    graph.put("a", Set.of("b"));
    graph.put("b", Set.of("c"));
    graph.put("c", Set.of("a"));
    graph.put("d", Set.of("a"));
    assertThat(cycles(graph)).containsExactly(List.of("a", "b", "c", "a"));
    graph.put("c", Set.of());
    assertThat(cycles(graph)).isEmpty();
  }

  /** Package to the trainer packages its sources use. */
  static Map<String, Set<String>> graphOf(Path sources) throws IOException {
    Map<String, Set<String>> graph = new TreeMap<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file :
          (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        String text = Files.readString(file);
        Matcher pkg = PACKAGE.matcher(text);
        if (!pkg.find()) {
          continue;
        }
        String from = pkg.group(1);
        Set<String> deps = graph.computeIfAbsent(from, k -> new TreeSet<>());
        Matcher ref = REFERENCE.matcher(text.substring(pkg.end()));
        while (ref.find()) {
          String to = ref.group(1);
          if (!to.equals(from) && to.startsWith(ROOT)) {
            deps.add(to);
          }
        }
      }
    }
    return graph;
  }

  /** One cycle per strongly connected group of packages, as a path that returns to its start. */
  static List<List<String>> cycles(Map<String, Set<String>> graph) {
    List<List<String>> found = new ArrayList<>();
    Set<String> done = new TreeSet<>();
    for (String start : graph.keySet()) {
      if (done.contains(start)) {
        continue;
      }
      List<String> cycle = pathBack(graph, start);
      if (cycle != null) {
        found.add(cycle);
        done.addAll(cycle);
      }
      done.add(start);
    }
    return found;
  }

  /** A shortest path start → ... → start, or null (breadth-first). */
  private static List<String> pathBack(Map<String, Set<String>> graph, String start) {
    Map<String, String> parent = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>();
    queue.add(start);
    while (!queue.isEmpty()) {
      String at = queue.poll();
      for (String next : graph.getOrDefault(at, Set.of())) {
        if (next.equals(start)) {
          List<String> path = new ArrayList<>();
          path.add(start);
          for (String p = at; p != null && !p.equals(start); p = parent.get(p)) {
            path.add(1, p);
          }
          path.add(start);
          return path;
        }
        if (!parent.containsKey(next)) {
          parent.put(next, at);
          queue.add(next);
        }
      }
    }
    return null;
  }
}
