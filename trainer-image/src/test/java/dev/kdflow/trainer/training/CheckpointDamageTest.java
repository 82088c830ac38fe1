package dev.kdflow.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.kdflow.trainer.TestData;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.models.Models;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged ckpt_latest (truncated tensors, a cut state file), or one of another network, fails the
 * resume with a message that names the file; nothing on disk changes, ckpt_best least of all.
 */
class CheckpointDamageTest {
  private static final Map<String, Object> MLP = Map.of("hiddenSizes", List.of(32));
  private static NDManager manager;
  private static ImageBatches train;
  private static ImageBatches valid;

  @TempDir Path tmp;

  @BeforeAll
  static void data() {
    manager = NDManager.newBaseManager();
    ImageData t = TestData.train(128);
    Normalization norm = Normalization.statisticsOf(t);
    train = new ImageBatches(t, norm, 64, true, 0, false, 5L);
    valid = ImageBatches.sequential(TestData.test(128), norm, 128);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static TrainingParams params(int epochs) {
    return TrainingParams.builder()
        .maxEpochs(epochs)
        .initialLr(0.05)
        .ema(true)
        .resume(true)
        .build();
  }

  private TrainingOutcome train(int epochs) {
    return train(epochs, MLP);
  }

  private TrainingOutcome train(int epochs, Map<String, Object> archParams) {
    Engine.getEngine("PyTorch").setRandomSeed(1);
    Block mlp = Models.build("mlp", archParams, manager, new Shape(1, 1, 28, 28));
    return new SupervisedTrainer("damaged", tmp)
        .setStudentDescription("mlp", archParams)
        .train(mlp, params(epochs), train, valid);
  }

  @Test
  void aRunOfAnotherNetworkIsNotResumedAndNothingIsLost() throws IOException {
    TrainingOutcome first = train(1);
    Path state = first.latestCheckpoint().resolve(ExperimentDirectory.STATE_FILE);
    byte[] stateBytes = Files.readAllBytes(state);
    Path bestModel = first.bestCheckpoint().resolve(Weights.MODEL_FILE);
    byte[] best = Files.readAllBytes(bestModel);
    // the same names, another width: refused by name before any tensor is read, as kdflow run's
    // check refuses it before training starts
    assertThatThrownBy(() -> train(2, Map.of("hiddenSizes", List.of(16))))
        .isInstanceOf(TrainingFailedException.class)
        .hasMessageContaining("cannot resume: " + first.latestCheckpoint())
        .hasMessageContaining("another network (mlp with archParams.hiddenSizes [32], not [16])");
    assertThat(Files.readAllBytes(state)).isEqualTo(stateBytes);
    assertThat(Files.readAllBytes(bestModel)).isEqualTo(best);
  }

  @Test
  void truncatedTensorsAreNamedAndNothingIsLost() throws IOException {
    TrainingOutcome first = train(1);
    Path module = first.latestCheckpoint().resolve(Weights.MODULE_FILE);
    try (FileChannel ch = FileChannel.open(module, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 2);
    }
    assertFailsNamingAndKeepsCheckpoints(first, module);
  }

  @Test
  void aCutStateFileIsNamedAndNothingIsLost() throws IOException {
    TrainingOutcome first = train(1);
    Path state = first.latestCheckpoint().resolve(ExperimentDirectory.STATE_FILE);
    String json = Files.readString(state);
    Files.writeString(state, json.substring(0, json.length() / 2));
    assertFailsNamingAndKeepsCheckpoints(first, state);
  }

  @Test
  void garbageEmaIsNamedAndNothingIsLost() throws IOException {
    TrainingOutcome first = train(1);
    Path ema = first.latestCheckpoint().resolve(ExperimentDirectory.EMA_FILE);
    Files.write(ema, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    assertFailsNamingAndKeepsCheckpoints(first, ema);
  }

  private void assertFailsNamingAndKeepsCheckpoints(TrainingOutcome first, Path damaged)
      throws IOException {
    Path bestModel = first.bestCheckpoint().resolve(Weights.MODEL_FILE);
    byte[] best = Files.readAllBytes(bestModel);
    byte[] damagedBytes = Files.readAllBytes(damaged);
    assertThatThrownBy(() -> train(2))
        .isInstanceOf(TrainingFailedException.class)
        .hasMessageContaining("cannot resume from " + damaged)
        .hasMessageContaining("ckpt_best is untouched");
    assertThat(Files.readAllBytes(bestModel)).isEqualTo(best);
    assertThat(Files.readAllBytes(damaged)).isEqualTo(damagedBytes);
  }
}
