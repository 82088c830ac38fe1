package dev.kdflow.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs gitops/argocd/health-kdexperiment.lua on the fixtures in Argo CD's own test format
 * (health_test.yaml), with every Lua interpreter found on this machine.
 */
class ArgoCdHealthCheckIT {
  static final Path SCRIPT = RepositoryFiles.resolve("gitops/argocd/health-kdexperiment.lua");
  static final Path FIXTURES =
      RepositoryFiles.resolve("operator/src/test/resources/packaging/argocd");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Argo CD runs Lua 5.1 (gopher-lua); Debian ships 5.1 to 5.4 and LuaJIT. */
  static final List<String> INTERPRETERS = List.of("lua5.1", "luajit", "lua5.3", "lua5.4");

  @TempDir Path work;

  @TestFactory
  Stream<DynamicTest> reportsTheExpectedHealthForEveryFixture() throws IOException {
    List<String> interpreters = installedInterpreters();
    assumeFalse(
        interpreters.isEmpty(),
        "No Lua interpreter on PATH (tried " + INTERPRETERS + "); install Debian's lua5.4");
    Map<?, ?> suite = YAML.readValue(FIXTURES.resolve("health_test.yaml").toFile(), Map.class);
    List<DynamicTest> tests = new ArrayList<>();
    for (Object entry : (List<?>) suite.get("tests")) {
      Map<?, ?> test = (Map<?, ?>) entry;
      String input = (String) test.get("inputPath");
      Map<?, ?> expected = (Map<?, ?>) test.get("healthStatus");
      for (String lua : interpreters) {
        tests.add(
            DynamicTest.dynamicTest(
                input + " with " + lua,
                () -> {
                  Object obj = YAML.readValue(FIXTURES.resolve(input).toFile(), Object.class);
                  List<String> health = runHealthCheck(lua, obj);
                  assertThat(health)
                      .as("status and message for %s", input)
                      .containsExactly(
                          (String) expected.get("status"), (String) expected.get("message"));
                }));
      }
    }
    assertThat(tests).hasSizeGreaterThanOrEqualTo(10);
    return tests.stream();
  }

  @Test
  void everyFixtureIsListedInTheSuite() throws IOException {
    Map<?, ?> suite = YAML.readValue(FIXTURES.resolve("health_test.yaml").toFile(), Map.class);
    List<String> listed =
        ((List<?>) suite.get("tests"))
            .stream().map(t -> (String) ((Map<?, ?>) t).get("inputPath")).sorted().toList();
    try (Stream<Path> files = Files.list(FIXTURES.resolve("testdata"))) {
      assertThat(files.map(f -> "testdata/" + f.getFileName()).sorted().toList()).isEqualTo(listed);
    }
  }

  @Test
  void theArgoCdConfigMapPatchCarriesTheSameScript() throws IOException {
    Map<?, ?> patch =
        YAML.readValue(
            RepositoryFiles.resolve("gitops/argocd/argocd-cm-health-patch.yaml").toFile(),
            Map.class);
    Map<?, ?> data = (Map<?, ?>) patch.get("data");

    assertThat(data.get("resource.customizations.health.kdflow.dev_KDExperiment"))
        .isEqualTo(Files.readString(SCRIPT));
  }

  /** Runs the script with {@code obj} bound, as Argo CD does; returns status and message. */
  private List<String> runHealthCheck(String lua, Object obj)
      throws IOException, InterruptedException {
    String program =
        "obj = "
            + LuaTable.literal(obj)
            + "\nlocal hs = (function()\n"
            + Files.readString(SCRIPT)
            + "\nend)()\n"
            + "io.write(tostring(hs.status), \"\\n\", tostring(hs.message), \"\\n\")\n";
    Path file = work.resolve("health.lua");
    Files.writeString(file, program);
    Process process = new ProcessBuilder(lua, file.toString()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output.lines().toList();
  }

  private static List<String> installedInterpreters() {
    String path = System.getenv().getOrDefault("PATH", "");
    List<String> found = new ArrayList<>();
    for (String name : INTERPRETERS) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
          found.add(name);
          break;
        }
      }
    }
    return found;
  }
}
