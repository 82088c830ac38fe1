package dev.kdflow.trainer.kd;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.kdflow.api.DISTParams;
import dev.kdflow.api.DKDParams;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.TestData;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.DKDLoss;
import dev.kdflow.trainer.loss.KDLosses;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.StepRecord;
import dev.kdflow.trainer.training.SupervisedTrainer;
import dev.kdflow.trainer.training.TrainingOutcome;
import dev.kdflow.trainer.training.TrainingParams;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each loss type, built from a spec as a KDExperiment builds it, trains a student: on a small
 * Fashion-MNIST subset, with a briefly trained teacher, both the training loss and its distillation
 * part fall over three epochs.
 */
class KDLossTrainingTest {
  private static NDManager manager;
  private static ImageBatches train;
  private static ImageBatches valid;
  private static Block teacher;

  @BeforeAll
  static void data() {
    manager = NDManager.newBaseManager();
    ImageData t = TestData.train(512);
    Normalization norm = Normalization.statisticsOf(t);
    train = ImageBatches.sequential(t, norm, 64);
    valid = ImageBatches.sequential(TestData.test(128), norm, 128);
    Engine.getEngine("PyTorch").setRandomSeed(11);
    teacher =
        Models.build(
            "cnn",
            Map.of("channels", List.of(8, 16), "hiddenSize", 32),
            manager,
            new Shape(1, 1, 28, 28));
    // a teacher that agrees with the labels, as a real one does (the KD module freezes it)
    new SupervisedTrainer("teacher", null)
        .train(teacher, TrainingParams.from(params(4)), train, valid);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static Stream<LossSpec> specs() {
    LossSpec kd = new LossSpec();
    kd.setTemperature(4.0);
    kd.setDistillationLossCoeff(0.9);
    LossSpec hintonLs = new LossSpec();
    hintonLs.setType(LossSpec.Type.HINTON_KD);
    hintonLs.setTemperature(2.0);
    hintonLs.setLogitStandardization(true);
    // β = 8 at T = 4 without its warm-up diverges at this learning rate (the DKD gradient grows
    // with β·T); T = 1 trains
    LossSpec dkd = new LossSpec();
    dkd.setType(LossSpec.Type.DKD);
    dkd.setTemperature(1.0);
    DKDParams noWarmup = new DKDParams();
    noWarmup.setWarmupEpochs(0);
    dkd.setDkd(noWarmup);
    LossSpec dkdLs = new LossSpec();
    dkdLs.setType(LossSpec.Type.DKD);
    dkdLs.setTemperature(2.0);
    dkdLs.setLogitStandardization(true);
    dkdLs.setDkd(noWarmup);
    LossSpec dist = new LossSpec();
    dist.setType(LossSpec.Type.DIST);
    dist.setTemperature(4.0);
    DISTParams d = new DISTParams();
    d.setBeta(2.0);
    d.setGamma(2.0);
    dist.setDist(d);
    return Stream.of(kd, hintonLs, dkd, dkdLs, dist);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void lossAndDistillationFallOverThreeEpochs(LossSpec spec) {
    List<EpochRecord> epochs = new ArrayList<>();
    KDTrainer trainer = new KDTrainer("loss-" + spec.typeOrDefault(), null);
    trainer.setKDLoss(KDLosses.from(spec)).setCacheTeacherOutputs(true);
    trainer.addListener(
        new TrainingProgressListener() {
          @Override
          public void onEpochEnd(EpochRecord epoch) {
            epochs.add(epoch);
          }
        });
    TrainingOutcome r =
        trainer.train(student(), teacher(), TrainingParams.from(params(3)), train, valid);
    assertThat(r.epochsCompleted()).isEqualTo(3);
    EpochRecord.TrainMetrics first = epochs.get(0).train();
    EpochRecord.TrainMetrics last = epochs.get(2).train();
    assertThat(last.loss()).as("training loss").isLessThan(first.loss());
    assertThat(last.distillLoss()).as("distillation part").isLessThan(first.distillLoss());
  }

  @Test
  void dkdWarmUpFollowsTheTrainersEpochsAndContinuesOnResume(@TempDir Path root) {
    DKDLoss dkd = new DKDLoss(new CrossEntropyLoss(), 1, 1, 8, 4, 4, false);
    List<Double> factorPerEpoch =
        warmUpFactorsOf(dkd, new KDTrainer("dkd-warmup", root), params(2));
    assertThat(factorPerEpoch).containsExactly(0.25, 0.5);

    // a resumed run, with a fresh loss object, continues the ramp where the first one stopped
    DKDLoss again = new DKDLoss(new CrossEntropyLoss(), 1, 1, 8, 4, 4, false);
    TrainingSpec resumed = params(3);
    resumed.setResume(true);
    assertThat(warmUpFactorsOf(again, new KDTrainer("dkd-warmup", root), resumed))
        .containsExactly(0.75);
  }

  /** The DKD warm-up factor in force during the first step of each epoch the trainer runs. */
  private static List<Double> warmUpFactorsOf(DKDLoss dkd, KDTrainer trainer, TrainingSpec p) {
    List<Double> factors = new ArrayList<>();
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    trainer.setKDLoss(dkd);
    trainer.addListener(
        new TrainingProgressListener() {
          @Override
          public void onStep(StepRecord step) {
            if (seen.add(step.epoch())) {
              factors.add(dkd.warmupFactor());
            }
          }
        });
    trainer.train(student(), teacher(), TrainingParams.from(p), train, valid);
    return factors;
  }

  private static TrainingSpec params(int epochs) {
    TrainingSpec p = new TrainingSpec();
    p.setMaxEpochs(epochs);
    p.setInitialLr(0.05);
    p.setSeed(3L);
    return p;
  }

  private static Block student() {
    Engine.getEngine("PyTorch").setRandomSeed(5);
    return Models.build(
        "mlp", Map.of("hiddenSizes", List.of(64)), manager, new Shape(1, 1, 28, 28));
  }

  private static Block teacher() {
    return teacher;
  }
}
