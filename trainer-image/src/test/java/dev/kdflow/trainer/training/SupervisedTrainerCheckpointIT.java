package dev.kdflow.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kdflow.api.EmaParams;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.trainer.TestData;
import dev.kdflow.trainer.checkpoint.NamedArrays;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.models.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ckpt_best reloads exactly; a stopped and resumed run equals an uninterrupted one. */
class SupervisedTrainerCheckpointIT {
  private static NDManager manager;
  private static ImageBatches train;
  private static ImageBatches valid;
  private static final Map<String, Object> MLP =
      Map.of("hiddenSizes", List.of(48, 32), "dropout", 0.1);
  private static final Map<String, Object> CNN =
      Map.of("channels", List.of(4, 8), "hiddenSize", 16);

  @TempDir Path tmp;

  @BeforeAll
  static void data() {
    manager = NDManager.newBaseManager();
    ImageData t = TestData.train(384);
    Normalization norm = Normalization.statisticsOf(t);
    train = new ImageBatches(t, norm, 64, true, 2, true, 5L);
    valid = ImageBatches.sequential(TestData.test(256), norm, 100);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static Block build(String arch, Map<String, Object> params, int seed) {
    Engine.getEngine("PyTorch").setRandomSeed(seed);
    return Models.build(arch, params, manager, new Shape(1, 1, 28, 28));
  }

  static TrainingSpec params(int epochs) {
    TrainingSpec p = new TrainingSpec();
    p.setMaxEpochs(epochs);
    p.setInitialLr(0.05);
    p.setSeed(7L);
    p.setLrMode(TrainingSpec.LrMode.COSINE);
    // One warm-up epoch, unless that is the whole run (the rule set refuses a schedule that
    // never starts, as for a manifest).
    p.setLrWarmupEpochs(Math.min(1, epochs - 1));
    p.setEma(true);
    EmaParams ema = new EmaParams();
    ema.setDecay(0.9);
    p.setEmaParams(ema);
    p.getOptimizerParams().setNesterov(true);
    p.getOptimizerParams().setWeightDecay(1e-4);
    p.setClipGradNorm(5.0);
    return p;
  }

  @Test
  void ckptBestLoadedIntoAFreshStudentReproducesTheRecordedAccuracy() throws IOException {
    SupervisedTrainer trainer =
        new SupervisedTrainer("best", tmp).setStudentDescription("mlp", MLP);
    TrainingOutcome r =
        trainer.train(build("mlp", MLP, 1), TrainingParams.from(params(2)), train, valid);
    Path best = r.bestCheckpoint();
    assertThat(best).isDirectory();
    CheckpointInfo info =
        new ObjectMapper()
            .readValue(best.resolve(ExperimentDirectory.INFO_FILE).toFile(), CheckpointInfo.class);
    assertThat(info.architecture()).isEqualTo("mlp");
    assertThat(info.ema()).isTrue();
    assertThat(info.epoch()).isEqualTo(r.best().epoch());

    Block fresh = build("mlp", MLP, 999);
    Weights.load(fresh, best, true);
    EpochRecord.ValidMetrics again = SupervisedTrainer.evaluate(fresh, valid);
    assertThat(again.top1()).isEqualTo(info.value());
    assertThat(again.top5()).isEqualTo(info.valid().top5());
  }

  @Test
  void theLibraryEntryRefusesWhatAManifestIsRefusedFor() {
    TrainingSpec p = params(1);
    p.setLrWarmupEpochs(1);
    p.setInitialLr(0.0);
    SupervisedTrainer trainer =
        new SupervisedTrainer("refused", tmp).setStudentDescription("mlp", MLP);
    assertThatThrownBy(
            () -> trainer.train(build("mlp", MLP, 1), TrainingParams.from(p), train, valid))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e ->
                assertThat(e.problems())
                    .extracting(ValidationProblem::fieldPath)
                    .containsExactly("spec.training.initialLr", "spec.training.lrWarmupEpochs"));
    assertThat(tmp.resolve("refused")).doesNotExist();
  }

  @Test
  void aCheckpointOfAnotherArchitectureIsRefusedByName() throws IOException {
    SupervisedTrainer trainer =
        new SupervisedTrainer("other", tmp).setStudentDescription("mlp", MLP);
    TrainingOutcome r =
        trainer.train(build("mlp", MLP, 1), TrainingParams.from(params(1)), train, valid);
    Block cnn = build("cnn", CNN, 1);
    assertThatThrownBy(() -> Weights.load(cnn, r.bestCheckpoint(), true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not fit this network");
  }

  private static void assertSameWeights(Path a, Path b, String file) throws IOException {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> x = NamedArrays.load(a.resolve(file), m);
      Map<String, NDArray> y = NamedArrays.load(b.resolve(file), m);
      assertThat(y.keySet()).isEqualTo(x.keySet());
      for (String k : x.keySet()) {
        assertThat(y.get(k).toFloatArray())
            .as(file + " " + k)
            .containsExactly(x.get(k).toFloatArray());
      }
    }
  }

  private void assertResumeIsExact(String arch, Map<String, Object> archParams, TrainingSpec p)
      throws IOException {
    int epochs = p.getMaxEpochs();
    TrainingOutcome full =
        new SupervisedTrainer("full", tmp)
            .setStudentDescription(arch, archParams)
            .train(build(arch, archParams, 1), TrainingParams.from(p), train, valid);
    assertThat(full.epochsCompleted()).isEqualTo(epochs);

    SupervisedTrainer first =
        new SupervisedTrainer("resumed", tmp).setStudentDescription(arch, archParams);
    first.addListener(
        new TrainingProgressListener() {
          @Override
          public void onEpochEnd(EpochRecord epoch) {
            if (epoch.epoch() == 1) {
              first.requestStop();
            }
          }
        });
    TrainingOutcome stopped =
        first.train(build(arch, archParams, 1), TrainingParams.from(p), train, valid);
    assertThat(stopped.status()).isEqualTo(EndRecord.STOPPED);
    assertThat(stopped.epochsCompleted()).isEqualTo(1);

    p.setResume(true);
    List<StartRecord> starts = new java.util.ArrayList<>();
    TrainingOutcome resumed =
        new SupervisedTrainer("resumed", tmp)
            .setStudentDescription(arch, archParams)
            .addListener(
                new TrainingProgressListener() {
                  @Override
                  public void onStart(StartRecord start) {
                    starts.add(start);
                  }
                })
            // different initial weights: everything must come from ckpt_latest
            .train(build(arch, archParams, 12345), TrainingParams.from(p), train, valid);
    assertThat(starts).singleElement().extracting(StartRecord::resumedFromEpoch).isEqualTo(1);
    assertThat(resumed.status()).isEqualTo(EndRecord.SUCCEEDED);
    assertThat(resumed.epochsCompleted()).isEqualTo(epochs);
    assertThat(resumed.best()).isEqualTo(full.best());
    assertThat(resumed.lastValid()).isEqualTo(full.lastValid());
    Path a = full.latestCheckpoint();
    Path b = resumed.latestCheckpoint();
    assertSameWeights(a, b, Weights.MODULE_FILE);
    assertSameWeights(a, b, "optimizer.safetensors");
    if (Boolean.TRUE.equals(p.getEma())) {
      assertSameWeights(a, b, "ema.safetensors");
    }
    assertSameWeights(full.bestCheckpoint(), resumed.bestCheckpoint(), Weights.MODEL_FILE);
  }

  @Test
  void resumedRunEndsBitIdenticalToAnUninterruptedOne_sgdEmaDropout() throws IOException {
    assertResumeIsExact("mlp", MLP, params(3));
  }

  @Test
  void resumedRunEndsBitIdenticalToAnUninterruptedOne_adamWBatchNorm() throws IOException {
    TrainingSpec p = params(2);
    p.setOptimizer(TrainingSpec.Optimizer.AdamW);
    p.setInitialLr(0.003);
    p.getOptimizerParams().setWeightDecay(0.01);
    p.setEma(false);
    p.setLrMode(TrainingSpec.LrMode.STEP);
    p.setLrUpdates(List.of(2));
    assertResumeIsExact("cnn", CNN, p);
  }

  @Test
  void nanLossFailsClearlyAndLeavesCheckpointsIntact() throws IOException {
    new SupervisedTrainer("nan", tmp)
        .setStudentDescription("mlp", MLP)
        .train(build("mlp", MLP, 1), TrainingParams.from(params(1)), train, valid);
    Path latest = tmp.resolve("nan").resolve(ExperimentDirectory.LATEST);
    byte[] before = Files.readAllBytes(latest.resolve(Weights.MODULE_FILE));
    String stateBefore = Files.readString(latest.resolve(ExperimentDirectory.STATE_FILE));

    TrainingSpec p = params(2);
    p.setResume(true);
    p.setInitialLr(1e30);
    p.setClipGradNorm(null);
    p.setLrWarmupEpochs(0);
    assertThatThrownBy(
            () ->
                new SupervisedTrainer("nan", tmp)
                    .setStudentDescription("mlp", MLP)
                    .train(build("mlp", MLP, 1), TrainingParams.from(p), train, valid))
        .isInstanceOf(TrainingFailedException.class)
        .hasMessageContaining("loss is NaN")
        .hasMessageContaining("epoch 2")
        // finite data, a diverged student: the message points at the learning rate, not the data
        .hasMessageContaining("training.initialLr")
        .hasMessageNotContaining("input batch");
    assertThat(Files.readAllBytes(latest.resolve(Weights.MODULE_FILE))).isEqualTo(before);
    assertThat(Files.readString(latest.resolve(ExperimentDirectory.STATE_FILE)))
        .isEqualTo(stateBefore);
    try (var files = Files.list(tmp.resolve("nan"))) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .containsExactlyInAnyOrder(ExperimentDirectory.LATEST, ExperimentDirectory.BEST);
    }
  }
}
