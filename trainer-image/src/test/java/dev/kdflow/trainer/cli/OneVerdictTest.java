package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.trainer.ExperimentRunner;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import dev.kdflow.trainer.status.TerminationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One rule set, one verdict: the same manifest gets the same field paths and messages from the
 * validator, {@code kdflow validate} (with and without {@code --offline}), {@code kdflow run} (its
 * output and its termination message) and the library API. The operator's side of the same file is
 * checked in the operator's reconciler test.
 */
class OneVerdictTest {
  /** Shared with the api's and the operator's tests. */
  static final Path INVALID =
      Path.of("../api/src/test/resources/dev/kdflow/api/validation/invalid-experiment.yaml");

  static final Path GITOPS = Path.of("../examples/gitops");

  @TempDir Path tmp;

  @Test
  void everyLayerGivesTheSameFieldPathsAndMessages() throws IOException {
    KDExperiment experiment = ExperimentLoader.loadManifest(INVALID, List.of());
    List<ValidationProblem> rules = KDExperimentValidator.validate(experiment);
    assertThat(rules).hasSize(2).allMatch(ValidationProblem::isError);
    List<String> expected = rules.stream().map(p -> "  " + p.in(INVALID.toString())).toList();
    Path termination = tmp.resolve("termination-log");

    for (String[] args :
        List.of(
            new String[] {"validate", INVALID.toString()},
            new String[] {"validate", "--offline", INVALID.toString()},
            new String[] {
              "run", INVALID.toString(), "--termination-message-path=" + termination
            })) {
      CliRun r = CliRun.of(args);
      assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(ExitCodes.INVALID_INPUT);
      assertThat(r.err().lines().filter(l -> l.startsWith("  ")))
          .as(String.join(" ", args))
          .containsExactlyElementsOf(expected);
    }
    TrainerReport report = TerminationMessage.read(Files.readString(termination));
    assertThat(report.getReason())
        .isEqualTo(
            String.join(
                "; ", rules.stream().map(p -> p.in(INVALID.toString()).toString()).toList()));
    assertThat(Path.of("checkpoints", "one-verdict")).doesNotExist();

    assertThatThrownBy(
            () ->
                new ExperimentRunner(experiment.getSpec(), experiment.getMetadata().getName())
                    .run())
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e -> assertThat(e.problems()).containsExactlyElementsOf(rules));
  }

  @Test
  void aTeacherWithoutWeightsRunsAfterTheSameOneWarningEverywhere() throws IOException {
    Path root = tmp.resolve("checkpoints");
    Path file =
        CliRun.write(
            tmp.resolve("random-teacher.yaml"),
            CliRun.manifest("random-teacher", root, 1)
                .replaceAll(
                    "(?m)^    torchscript: .*$",
                    "    architecture: mlp\n    archParams: {hiddenSizes: [8], numClasses: 10}"));
    ValidationProblem warning =
        KDExperimentValidator.validate(ExperimentLoader.loadManifest(file, List.of())).get(0);
    String expected = "kdflow: warning: " + warning.in(file.toString());
    assertThat(warning.isError()).isFalse();

    for (String[] args :
        List.of(
            new String[] {"validate", file.toString()},
            new String[] {"validate", "--offline", file.toString()},
            new String[] {"run", file.toString(), "--progress=quiet"})) {
      CliRun r = CliRun.of(args);
      assertThat(r.exitCode()).as(String.join(" ", args) + r.err()).isEqualTo(ExitCodes.OK);
      assertThat(r.err().lines().filter(l -> l.contains("warning")))
          .as(String.join(" ", args))
          .containsExactly(expected);
    }
    assertThat(root.resolve("random-teacher/ckpt_best")).isDirectory();
  }

  @Test
  void offlineValidationAcceptsTheGitOpsExamplesTheFullCheckCannot() throws IOException {
    List<String> files;
    try (Stream<Path> walk = Files.walk(GITOPS)) {
      files = walk.filter(p -> p.toString().endsWith(".yaml")).map(Path::toString).toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(5);

    CliRun offline =
        CliRun.of(
            Stream.concat(Stream.of("validate", "--offline"), files.stream())
                .toArray(String[]::new));

    assertThat(offline.exitCode()).as(offline.err()).isEqualTo(ExitCodes.OK);
    assertThat(offline.err()).isEmpty();
    assertThat(offline.out().lines())
        .hasSize(files.size())
        .anyMatch(l -> l.startsWith(GITOPS.resolve("fashion-mnist-kd.yaml") + ": ok ("))
        .anyMatch(
            l -> l.startsWith(GITOPS.resolve("teacher/fashion-mnist-teacher.yaml") + ": ok ("))
        .anyMatch(
            l ->
                l.equals(
                    GITOPS.resolve("base/namespace.yaml")
                        + ": skipped (v1/Namespace is not a KDExperiment)"));

    // The full check looks for the teacher's checkpoint, which exists only on the cluster's claim.
    CliRun full = CliRun.of("validate", GITOPS.resolve("fashion-mnist-kd.yaml").toString());
    assertThat(full.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(full.err())
        .contains("spec.teacher.checkpoint.checkpointPath: not found: /checkpoints/");
  }

  @Test
  void helpOfACommandIsHelpAndAnUnknownCommandIsAnError() {
    for (String command : List.of("run", "train", "validate", "evaluate", "report")) {
      CliRun help = CliRun.of(command, "--help");
      assertThat(help.exitCode()).as(command).isZero();
      assertThat(help.out()).as(command).contains("Usage: kdflow " + command);
      assertThat(help.err()).as(command).isEmpty();
    }
    assertThat(CliRun.of("validate", "--help").out()).contains("--offline");

    CliRun unknown = CliRun.of("no-such-command", "--help");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(unknown.err()).contains("no-such-command");
    assertThat(unknown.out()).isEmpty();
  }
}
