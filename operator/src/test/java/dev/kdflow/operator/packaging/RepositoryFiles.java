package dev.kdflow.operator.packaging;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files of the repository from a test that runs in a module directory. */
final class RepositoryFiles {
  private RepositoryFiles() {}

  /** The repository root: the nearest directory above the working directory with helm/kdflow. */
  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
      if (Files.isRegularFile(candidate.resolve("helm/kdflow/Chart.yaml"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("No helm/kdflow/Chart.yaml in " + dir + " or above it");
  }

  static Path resolve(String relativePath) {
    return root().resolve(relativePath);
  }
}
