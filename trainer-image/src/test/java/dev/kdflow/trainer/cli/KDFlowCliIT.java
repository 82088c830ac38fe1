package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.trainer.status.TerminationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KDFlowCliIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void runTrainsWritesCheckpointsMetricsAndReportThenSkipsTheFinishedExperiment()
      throws IOException {
    Path root = tmp.resolve("checkpoints");
    Path file = CliRun.write(tmp.resolve("kd.yaml"), CliRun.manifest("tiny-kd", root, 2));
    Path termination = tmp.resolve("termination-log");

    CliRun first =
        CliRun.of(
            "run",
            file.toString(),
            "--progress=plain",
            "--termination-message-path=" + termination);

    assertThat(first.exitCode()).as(first.err()).isEqualTo(ExitCodes.OK);
    Path dir = root.resolve("tiny-kd");
    assertThat(dir.resolve("ckpt_latest")).isDirectory();
    assertThat(dir.resolve("ckpt_best/checkpoint.json")).isRegularFile();
    assertThat(dir.resolve("report/index.html")).isRegularFile();
    List<String> epochs =
        Files.readAllLines(dir.resolve("metrics.jsonl")).stream()
            .filter(l -> l.contains("\"type\":\"epoch\""))
            .toList();
    assertThat(epochs).hasSize(2);
    assertThat(first.out())
        .contains("tiny-kd: distilling from a frozen teacher, 2 epochs")
        .contains("epoch 2/2")
        .containsPattern("tiny-kd +trained +2/2 +\\d+\\.\\d\\d% top1 @\\d");

    TrainerReport report = TerminationMessage.read(Files.readString(termination));
    JsonNode best = JSON.readTree(dir.resolve("ckpt_best/checkpoint.json").toFile());
    assertThat(report.getPhase()).isEqualTo(TrainerReport.Phase.SUCCEEDED);
    assertThat(report.getExitCode()).isZero();
    assertThat(report.getEpoch()).isEqualTo(2);
    assertThat(report.getBest().getValue()).isEqualTo(best.get("value").asDouble());
    assertThat(report.getCheckpoints().getBest().getPath())
        .isEqualTo(dir.resolve("ckpt_best").toString());
    assertThat(report.getLatest().getTeacherTop1()).isNotNull();

    long metricsSize = Files.size(dir.resolve("metrics.jsonl"));
    CliRun again = CliRun.of("run", file.toString());
    assertThat(again.exitCode()).as(again.err()).isEqualTo(ExitCodes.OK);
    assertThat(again.out()).contains("tiny-kd: already trained (2 of 2 epochs");
    assertThat(again.out()).containsPattern("tiny-kd +already trained +2/2");
    assertThat(Files.size(dir.resolve("metrics.jsonl"))).isEqualTo(metricsSize);

    // the manifest now describes another student: neither skipped as trained nor resumed
    CliRun changed = CliRun.of("run", file.toString(), "student.archParams.hiddenSizes=[16]");
    assertThat(changed.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(changed.err())
        .contains("holds a run of another network (mlp with archParams.hiddenSizes [32], not [16])")
        .contains("--force");
    assertThat(Files.size(dir.resolve("metrics.jsonl"))).isEqualTo(metricsSize);
  }

  @Test
  void anUnfinishedRunNeedsResumeOrForceAndNeitherLosesACheckpoint() throws IOException {
    Path root = tmp.resolve("checkpoints");
    Path file = CliRun.write(tmp.resolve("kd.yaml"), CliRun.manifest("tiny-kd", root, 2));
    Path dir = root.resolve("tiny-kd");
    assertThat(CliRun.of("run", file.toString(), "training.maxEpochs=1").exitCode())
        .isEqualTo(ExitCodes.OK);
    byte[] latestState = Files.readAllBytes(dir.resolve("ckpt_latest/state.json"));

    CliRun refused = CliRun.of("run", file.toString());
    assertThat(refused.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(refused.err())
        .contains("holds an unfinished run (epoch 1 of 2)")
        .contains("--resume")
        .contains("--force");
    assertThat(Files.readAllBytes(dir.resolve("ckpt_latest/state.json"))).isEqualTo(latestState);

    CliRun resumed = CliRun.of("run", file.toString(), "--resume", "--progress=quiet");
    assertThat(resumed.exitCode()).as(resumed.err()).isEqualTo(ExitCodes.OK);
    assertThat(resumed.out())
        .contains("resuming after epoch 1")
        .containsPattern("tiny-kd +resumed, trained +2/2");

    CliRun forced = CliRun.of("run", file.toString(), "--force", "--progress=quiet");
    assertThat(forced.exitCode()).as(forced.err()).isEqualTo(ExitCodes.OK);
    try (Stream<Path> siblings = Files.list(root)) {
      List<Path> aside =
          siblings.filter(p -> p.getFileName().toString().startsWith("tiny-kd.replaced-")).toList();
      assertThat(aside).hasSize(1);
      assertThat(aside.get(0).resolve("ckpt_best/checkpoint.json")).isRegularFile();
    }
    assertThat(forced.out()).doesNotContain("resuming").containsPattern("tiny-kd +trained +2/2");
  }

  @Test
  void validateChecksEveryFileAndAllowsACheckpointAnEarlierFileProduces() throws IOException {
    Path root = tmp.resolve("checkpoints");
    Path teacher = teacherManifest(root);
    Path kdFile = kdFromTeacherManifest(root);

    CliRun both = CliRun.of("validate", teacher.toString(), kdFile.toString());
    assertThat(both.exitCode()).as(both.err()).isEqualTo(ExitCodes.OK);
    assertThat(both.out()).contains(teacher + ": ok").contains(kdFile + ": ok");

    CliRun alone = CliRun.of("validate", kdFile.toString());
    assertThat(alone.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(alone.err())
        .contains(kdFile + ": spec.teacher.checkpoint.checkpointPath: not found");
    assertThat(root).doesNotExist();
  }

  @Test
  void teacherThenDistillationInOneRunAndEvaluateReproducesTheBestAccuracy() throws IOException {
    Path root = tmp.resolve("checkpoints");
    Path teacher = teacherManifest(root);
    Path kdFile = kdFromTeacherManifest(root);

    CliRun run = CliRun.of("run", teacher.toString(), kdFile.toString(), "--progress=quiet");

    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
    assertThat(run.out())
        .containsPattern("tiny-teacher +trained")
        .containsPattern("tiny-kd +trained");
    Path best = root.resolve("tiny-kd/ckpt_best");
    double recorded =
        JSON.readTree(best.resolve("checkpoint.json").toFile()).get("value").asDouble();
    CliRun eval = CliRun.of("evaluate", "--checkpoint", best.toString(), "--json");
    assertThat(eval.exitCode()).as(eval.err()).isEqualTo(ExitCodes.OK);
    assertThat(JSON.readTree(eval.out()).get("top1").asDouble()).isCloseTo(recorded, within(1e-9));
  }

  /** A supervised "teacher" run: the base manifest without teacher and KD settings. */
  private Path teacherManifest(Path root) throws IOException {
    return CliRun.write(
        tmp.resolve("teacher.yaml"),
        CliRun.manifest("tiny-teacher", root, 1)
            .replaceAll("(?s)  teacher:.*?  training:", "  training:"));
  }

  /** A KD run whose teacher is the checkpoint {@link #teacherManifest} produces. */
  private Path kdFromTeacherManifest(Path root) throws IOException {
    String kd =
        CliRun.manifest("tiny-kd", root, 1)
            .replaceAll(
                "(?m)^    torchscript: .*$",
                "    architecture: mlp\n"
                    + "    archParams: {inputSize: 784, hiddenSizes: [32], numClasses: 10}\n"
                    + "    checkpoint:\n"
                    + "      checkpointPath: "
                    + root.resolve("tiny-teacher/ckpt_best").toAbsolutePath());
    return CliRun.write(tmp.resolve("kd.yaml"), kd);
  }

  @Test
  void trainRunsASuperGradientsRecipe() throws IOException {
    Path root = tmp.resolve("checkpoints");
    Path recipe =
        CliRun.write(
            tmp.resolve("tiny_recipe.yaml"),
            """
            student_architecture: mlp
            student_arch_params:
              input_size: 784
              hidden_sizes: [16]
              num_classes: 10
            teacher_torchscript: %s
            dataset_params:
              train_dataset_params:
                limit: 128
              val_dataset_params:
                limit: 64
              train_dataloader_params:
                batch_size: 64
            training_hyperparams:
              max_epochs: 2
              initial_lr: 0.05
              optimizer: SGD
              loss: KDLogitsLoss
              criterion_params:
                distillation_loss_coeff: 0.5
                temperature: 2.0
            experiment_name: tiny_recipe
            ckpt_root_dir: %s
            """
                .formatted(
                    dev.kdflow.trainer.TestData.fixtures()
                        .resolve("tiny_teacher.pt")
                        .toAbsolutePath(),
                    root.toAbsolutePath()));

    CliRun run =
        CliRun.of(
            "train",
            "--recipe",
            recipe.toString(),
            "training_hyperparams.max_epochs=1",
            "--progress=quiet");

    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
    assertThat(run.out()).containsPattern("tiny_recipe +trained +1/1");
    assertThat(root.resolve("tiny_recipe/ckpt_best")).isDirectory();

    // The same recipe through the library entry point, SuperGradients' train_from_config.
    dev.kdflow.trainer.training.TrainingOutcome result =
        dev.kdflow.trainer.ExperimentRunner.trainFromConfig(
            recipe,
            List.of("experiment_name=tiny_recipe_lib", "training_hyperparams.max_epochs=1"));
    assertThat(result.status()).isEqualTo("succeeded");
    assertThat(result.epochsCompleted()).isEqualTo(1);
    assertThat(result.bestCheckpoint()).isEqualTo(root.resolve("tiny_recipe_lib/ckpt_best"));
  }

  @Test
  void commandLineMistakesExitTwoWithUsage() {
    CliRun none = CliRun.of();
    assertThat(none.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(none.err()).contains("a command is required");

    CliRun unknown = CliRun.of("run", "--no-such-option", "x.yaml");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(unknown.err()).contains("--no-such-option");

    CliRun both = CliRun.of("run", "a.yaml", "--resume", "--force");
    assertThat(both.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(both.err()).contains("--resume/--force");

    CliRun report = CliRun.of("report", tmp.resolve("nothing-here").toString());
    assertThat(report.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(report.err()).contains("EXPERIMENT_DIR: ");

    CliRun evaluate = CliRun.of("evaluate", "--checkpoint", tmp.resolve("none").toString());
    assertThat(evaluate.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(evaluate.err()).contains("checkpoint");
  }

  @Test
  void helpListsTheExitCodes() {
    CliRun help = CliRun.of("--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("Exit codes:").contains("invalid input").contains("143");
  }
}
