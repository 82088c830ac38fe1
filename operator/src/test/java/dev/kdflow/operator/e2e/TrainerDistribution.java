package dev.kdflow.operator.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kdflow.api.trainer.TrainerImageContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The trainer image, played on this machine: the launcher {@code trainer-image/bin/kdflow} (the
 * image's {@link TrainerImageContract#LAUNCHER}) and the distribution {@code
 * trainer-image/target/kdflow} (the image's {@code /opt/kdflow}), built by {@code ./mvnw -pl
 * trainer-image -am package -DskipTests}.
 *
 * @param root the repository root
 * @param launcher the launcher script
 * @param home the distribution (KDFLOW_HOME), with lib/
 */
record TrainerDistribution(Path root, Path launcher, Path home) {
  /** The FashionMNIST IDX files (Debian package dataset-fashion-mnist). */
  static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

  /** The distribution of this repository. */
  static TrainerDistribution locate() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path c = dir; c != null; c = c.getParent()) {
      if (Files.isRegularFile(c.resolve("trainer-image/bin/kdflow"))) {
        return new TrainerDistribution(
            c, c.resolve("trainer-image/bin/kdflow"), c.resolve("trainer-image/target/kdflow"));
      }
    }
    throw new IllegalStateException("no trainer-image/bin/kdflow in " + dir + " or above it");
  }

  /** The distribution and the data are here. */
  boolean ready() {
    return hasCli() && Files.isDirectory(FASHION_MNIST);
  }

  /** Skips the calling test (with how to fix it) unless the distribution and the data are here. */
  void assumeBuilt() {
    assumeTrue(
        hasCli(),
        "the trainer distribution "
            + home
            + " is missing or has no CLI: build it with"
            + " ./mvnw -pl trainer-image -am package -DskipTests (./mvnw verify builds it before"
            + " the operator's tests)");
    assumeTrue(
        Files.isDirectory(FASHION_MNIST),
        FASHION_MNIST + " is missing: apt-get install dataset-fashion-mnist");
  }

  private boolean hasCli() {
    Path lib = home.resolve("lib");
    if (!Files.isDirectory(lib)) {
      return false;
    }
    try (Stream<Path> jars = Files.list(lib)) {
      return jars.filter(p -> p.getFileName().toString().startsWith("kdflow-trainer"))
          .anyMatch(TrainerDistribution::containsCli);
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean containsCli(Path jar) {
    try (JarFile j = new JarFile(jar.toFile())) {
      return j.getEntry("dev/kdflow/trainer/cli/KDFlowCli.class") != null;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The environment the image sets (its Dockerfile's ENV), as this machine provides it: the
   * distribution, DJL's engine cache (already unpacked here, as the image pre-unpacks it), one
   * PyTorch thread per trainer (two cores are shared by the operator, the trainers and the test).
   */
  Map<String, String> imageEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("LANG", "C.UTF-8");
    env.put("KDFLOW_HOME", home.toString());
    String djl = Path.of(System.getProperty("user.home"), ".djl.ai").toString();
    env.put("DJL_CACHE_DIR", System.getenv().getOrDefault("DJL_CACHE_DIR", djl));
    env.put("ENGINE_CACHE_DIR", System.getenv().getOrDefault("ENGINE_CACHE_DIR", djl));
    env.put("KDFLOW_THREADS", "1");
    env.put("JAVA_OPTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx768m");
    return env;
  }
}
