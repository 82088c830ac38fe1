package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kdflow precompute-teacher} from the command line: two shards computed by two invocations
 * (as two Indexed Job pods would), then {@code kdflow run} of an augmented student reads them
 * instead of running the teacher; bad options exit 2 naming the option.
 */
class PrecomputeTeacherIT {
  @TempDir Path tmp;

  private Path manifest(Path root, int maxEpochs) throws IOException {
    String text =
        CliRun.manifest("tiny-kd", root, maxEpochs)
            .replace("  kd:\n", "  kd:\n    precompute:\n      shards: 2\n")
            .replace("    batchSize: 64\n", "    batchSize: 64\n    horizontalFlip: true\n");
    assertThat(text).contains("precompute:", "horizontalFlip: true");
    return CliRun.write(tmp.resolve("kd.yaml"), text);
  }

  /** Runs kdflow in-process, also capturing the log (which goes to System.err). */
  private static CliRun withLog(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      CliRun r = CliRun.of(args);
      return new CliRun(r.exitCode(), r.out(), r.err() + log.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  @Test
  void twoShardsPrecomputedSeparatelyAreReadByTheTrainingRun() throws IOException {
    Path root = tmp.resolve("ckpt");
    Path file = manifest(root, 2);
    CliRun shard0 = CliRun.of("precompute-teacher", file.toString(), "--shard", "0/2");
    assertThat(shard0.exitCode()).as(shard0.err()).isZero();
    assertThat(shard0.out())
        .contains("precomputed shard 0 of 2: samples 0-127, epochs 0-1, top 10 of 10 logits");
    PrecomputeTeacherCommand fromEnv = new PrecomputeTeacherCommand();
    fromEnv.environment = Map.of(PrecomputeTeacherCommand.COMPLETION_INDEX_ENV, "1");
    assertThat(
            fromEnv.shard(
                dev.kdflow.trainer.recipe.ExperimentLoader.load(file, java.util.List.of())
                    .experiment()))
        .as("an Indexed Job pod's shard comes from its completion index and kd.precompute.shards")
        .containsExactly(1, 2);
    CliRun shard1 = CliRun.of("precompute-teacher", file.toString(), "--shard", "1/2");
    assertThat(shard1.exitCode()).as(shard1.err()).isZero();
    try (Stream<Path> files = Files.list(root.resolve("tiny-kd/softlabels"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "epochs-0-2-shard-00000-of-00002.bin",
              "epochs-0-2-shard-00000-of-00002.json",
              "epochs-0-2-shard-00001-of-00002.bin",
              "epochs-0-2-shard-00001-of-00002.json");
    }

    CliRun run = withLog("run", file.toString(), "--progress=quiet");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err())
        .contains("soft labels: 2 shard(s) in use")
        .doesNotContain("the teacher runs in the loop");

    // --force sets the earlier run aside but keeps the soft labels, an input of the run
    CliRun again = withLog("run", file.toString(), "--progress=quiet", "--force");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.err()).contains("soft labels: 2 shard(s) in use");
  }

  @Test
  void aChangedAugmentationMakesTheShardsStaleAndTrainingFallsBackSayingWhy() throws IOException {
    Path root = tmp.resolve("ckpt");
    Path file = manifest(root, 1);
    assertThat(CliRun.of("precompute-teacher", file.toString()).exitCode()).isZero();
    CliRun run = withLog("run", file.toString(), "--progress=quiet", "dataset.randomCropPadding=2");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err())
        .contains("soft labels: refused epochs-0-1-shard-00000-of-00001.json is stale: views is")
        .contains("soft labels: the teacher runs in the loop from epoch 1");
  }

  @Test
  void badOptionsExit2NamingTheOption() throws IOException {
    Path file = manifest(tmp.resolve("ckpt"), 1);
    CliRun shard = CliRun.of("precompute-teacher", file.toString(), "--shard", "2/2");
    assertThat(shard.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(shard.err()).contains("--shard", "0 <= i < N");
    CliRun unaugmented = CliRun.of("precompute-teacher", file.toString(), "--unaugmented");
    assertThat(unaugmented.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(unaugmented.err()).contains("--unaugmented", "augmented");
    CliRun epochs = CliRun.of("precompute-teacher", file.toString(), "--epochs", "3:1");
    assertThat(epochs.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(epochs.err()).contains("--epochs");
    CliRun both =
        CliRun.of("precompute-teacher", file.toString(), "--epochs", "0:1", "--unaugmented");
    assertThat(both.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
  }
}
