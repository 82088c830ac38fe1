package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.training.ExperimentDirectory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kdflow run --resume} on a damaged ckpt_latest exits with 2 (a state file that cannot be
 * read, found before training) or 3 (tensors that cannot be decoded, found when resuming), names
 * the damaged file, and leaves ckpt_best as it was.
 */
class DamagedCheckpointTest {
  @TempDir Path tmp;

  @Test
  void truncatedTensorsExitThreeNamingTheFile() throws IOException {
    ExperimentDirectory dir = trainOneEpoch("truncated");
    Path module = dir.latest().resolve(Weights.MODULE_FILE);
    try (FileChannel ch = FileChannel.open(module, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 3);
    }
    assertResumeFails(dir, ExitCodes.TRAINING_FAILED, module);
  }

  @Test
  void aCutStateFileExitsTwoNamingTheFile() throws IOException {
    ExperimentDirectory dir = trainOneEpoch("cut-state");
    Path state = dir.latest().resolve(ExperimentDirectory.STATE_FILE);
    Files.writeString(state, Files.readString(state).substring(0, 40));
    assertResumeFails(dir, ExitCodes.INVALID_INPUT, state);
  }

  private ExperimentDirectory trainOneEpoch(String name) throws IOException {
    Path root = tmp.resolve("checkpoints");
    CliRun.write(tmp.resolve(name + ".yaml"), CliRun.manifest(name, root, 1));
    CliRun first = CliRun.of("run", tmp.resolve(name + ".yaml").toString(), "--progress=quiet");
    assertThat(first.exitCode()).as(first.err()).isEqualTo(ExitCodes.OK);
    return ExperimentDirectory.of(root, name);
  }

  private void assertResumeFails(ExperimentDirectory dir, int exitCode, Path damaged)
      throws IOException {
    Path bestModel = dir.best().resolve(Weights.MODEL_FILE);
    byte[] best = Files.readAllBytes(bestModel);
    String name = dir.path().getFileName().toString();
    CliRun resumed =
        CliRun.of(
            "run",
            tmp.resolve(name + ".yaml").toString(),
            "--resume",
            "training.maxEpochs=2",
            "--progress=quiet");
    assertThat(resumed.exitCode()).as(resumed.err()).isEqualTo(exitCode);
    assertThat(resumed.err()).contains(damaged.toString());
    assertThat(Files.readAllBytes(bestModel)).isEqualTo(best);
  }
}
