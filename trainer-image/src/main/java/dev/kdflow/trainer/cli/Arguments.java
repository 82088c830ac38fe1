package dev.kdflow.trainer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command's positional arguments into files and {@code key.path=value} overrides, so that
 * {@code kdflow run teacher.yaml kd.yaml training.maxEpochs=1} reads naturally. An argument is an
 * override when it holds {@code =} and is not an existing file.
 *
 * @param files the experiment files, in order
 * @param overrides the overrides, in order (applied to every file)
 */
public record Arguments(List<Path> files, List<String> overrides) {

  /** Splits the arguments. */
  public static Arguments split(List<String> positional) {
    List<Path> files = new ArrayList<>();
    List<String> overrides = new ArrayList<>();
    for (String arg : positional == null ? List.<String>of() : positional) {
      if (arg.indexOf('=') > 0 && !Files.exists(Path.of(arg))) {
        overrides.add(arg);
      } else {
        files.add(Path.of(arg));
      }
    }
    return new Arguments(List.copyOf(files), List.copyOf(overrides));
  }
}
