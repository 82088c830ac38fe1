package dev.kdflow.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.TestData;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.models.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint volume that fills up during a checkpoint write: training fails with an error that
 * says so and names the checkpoint, the previous checkpoints stay byte for byte as they were, and
 * no temporary directory is left behind. The volume is a tmpfs just large enough for the first
 * epoch's checkpoints (mounting one needs root; the test is skipped elsewhere).
 */
class CheckpointDiskFullIT {
  private static final Map<String, Object> MLP = Map.of("hiddenSizes", List.of(256));

  @TempDir Path tmp;

  @Test
  void aFullDiskFailsTheWriteClearlyAndKeepsThePreviousCheckpoints() throws Exception {
    ImageData t = TestData.train(256);
    Normalization norm = Normalization.statisticsOf(t);
    ImageBatches train = new ImageBatches(t, norm, 64, true, 0, false, 5L);
    ImageBatches valid = ImageBatches.sequential(TestData.test(128), norm, 128);

    // The first epoch's checkpoints on an ordinary disk tell how much room they need.
    long oneEpoch = sizeOf(run(tmp.resolve("measure"), 1, train, valid).experimentDir());

    Path volume = tmp.resolve("volume");
    Files.createDirectories(volume);
    long size = oneEpoch + oneEpoch / 4; // room for epoch 1, not for epoch 2's new copies
    assumeTrue(mount(volume, size), "cannot mount a tmpfs here (needs root)");
    try {
      TrainingOutcome first = run(volume, 1, train, valid);
      Map<String, byte[]> before = contents(first.experimentDir());
      assertThatThrownBy(() -> run(volume, 3, train, valid))
          .isInstanceOf(TrainingFailedException.class)
          .hasMessageContaining("writing a checkpoint failed")
          .hasMessageContaining("No space left on device")
          .hasMessageContaining(first.experimentDir().toString())
          .hasMessageContaining("previous checkpoints are intact");
      Map<String, byte[]> after = contents(first.experimentDir());
      after.remove(ExperimentDirectory.METRICS_FILE); // the failed run appended its records
      before.remove(ExperimentDirectory.METRICS_FILE);
      assertThat(after.keySet()).isEqualTo(before.keySet());
      before.forEach((k, v) -> assertThat(after.get(k)).as(k).isEqualTo(v));
    } finally {
      new ProcessBuilder("umount", volume.toString()).inheritIO().start().waitFor();
    }
  }

  private static TrainingOutcome run(
      Path root, int epochs, ImageBatches train, ImageBatches valid) {
    TrainingSpec p = new TrainingSpec();
    p.setMaxEpochs(epochs);
    p.setInitialLr(0.05);
    p.setEma(true);
    p.setResume(true);
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getEngine("PyTorch").setRandomSeed(1);
      Block mlp = Models.build("mlp", MLP, m, new Shape(1, 1, 28, 28));
      SupervisedTrainer trainer = new SupervisedTrainer("full", root);
      trainer.addListener(
          new MetricsJsonlWriter(ExperimentDirectory.of(root, "full").metricsFile(), 0));
      return trainer
          .setStudentDescription("mlp", MLP)
          .train(mlp, TrainingParams.from(p), train, valid);
    }
  }

  private static boolean mount(Path dir, long bytes) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", dir.toString())
            .redirectErrorStream(true)
            .start();
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      long sum = 0;
      for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
        sum += Files.size(p);
      }
      return sum;
    }
  }

  private static Map<String, byte[]> contents(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
        out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }
}
