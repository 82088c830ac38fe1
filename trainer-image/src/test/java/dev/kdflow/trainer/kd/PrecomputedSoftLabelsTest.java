package dev.kdflow.trainer.kd;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.LossSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.TestData;
import dev.kdflow.trainer.checkpoint.NamedArrays;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.loss.KDLogitsLoss;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.softlabels.SoftLabelKey;
import dev.kdflow.trainer.softlabels.SoftLabels;
import dev.kdflow.trainer.softlabels.TeacherPrecompute;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.ExperimentDirectory;
import dev.kdflow.trainer.training.TrainingOutcome;
import dev.kdflow.trainer.training.TrainingParams;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training from precomputed soft labels, with an augmented student: the stored outputs give the
 * teacher-in-the-loop loss on the same batches, the same weights after an epoch, an exact resume,
 * and a fallback to the teacher for views no shard holds.
 */
class PrecomputedSoftLabelsTest {
  private static final int CLASSES = 10;
  private static NDManager manager;
  private static ImageBatches augmented;
  private static ImageBatches valid;
  private static Block teacher;

  @TempDir Path tmp;

  @BeforeAll
  static void data() {
    manager = NDManager.newBaseManager();
    ImageData t = TestData.train(512);
    Normalization norm = Normalization.statisticsOf(t);
    // random crop (padding 2) and flip: every epoch's views differ
    augmented = new ImageBatches(t, norm, 64, true, 2, true, 1L);
    valid = ImageBatches.sequential(TestData.test(256), norm, 128);
    teacher = teacher();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static Block mlp() {
    return Models.build(
        "mlp", Map.of("hiddenSizes", List.of(64)), manager, new Shape(1, 1, 28, 28));
  }

  /** A small convolutional teacher whose BatchNorms have non-trivial running statistics. */
  private static Block teacher() {
    Engine.getEngine("PyTorch").setRandomSeed(11);
    Block t =
        Models.build(
            "resnet_small",
            Map.of("stageChannels", List.of(8, 16), "stageStrides", List.of(1, 2)),
            manager,
            new Shape(1, 1, 28, 28));
    try (NDManager m = manager.newSubManager()) {
      t.forward(
          new ParameterStore(m, false), new NDList(m.randomNormal(new Shape(32, 1, 28, 28))), true);
    }
    return t;
  }

  private static SoftLabelKey key(int k) {
    return new SoftLabelKey("sha256:test-teacher", k, CLASSES, augmented.size(), false, "test");
  }

  /** Precomputes epochs [a, b) in {@code shards} shards, as the Indexed Job's pods would. */
  private static SoftLabels precompute(ExperimentDirectory dir, int k, int a, int b, int shards)
      throws IOException {
    KDModule module = new KDModule(mlp(), teacher);
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      TeacherPrecompute p =
          new TeacherPrecompute(
              augmented, key(k), x -> module.forwardTeacher(ps, new NDList(x)).head(), 100);
      for (int shard = 0; shard < shards; shard++) {
        p.run(dir, a, b, shard, shards, m, done -> {});
      }
    }
    return SoftLabels.open(dir.softLabels(), key(k));
  }

  private static Map<String, float[]> weights(Block b) {
    Map<String, float[]> s = new LinkedHashMap<>();
    Weights.parameters(b).forEach((n, p) -> s.put(n, p.getArray().toFloatArray()));
    return s;
  }

  private static Block studentLike(Map<String, float[]> init) {
    Block s = mlp();
    init.forEach((n, v) -> Weights.parameters(s).get(n).getArray().set(v));
    return s;
  }

  @Test
  void storedFullSoftLabelsGiveTheTeacherInTheLoopLossOnTheSameBatches() throws IOException {
    SoftLabels labels = precompute(new ExperimentDirectory(tmp.resolve("exp")), CLASSES, 0, 2, 2);
    assertThat(labels.shards()).hasSize(2);
    KDModule module = new KDModule(mlp(), teacher);
    KDLogitsLoss loss = KDLogitsLoss.from(new LossSpec());
    int batches = 0;
    for (int epoch = 0; epoch < 2; epoch++) {
      BatchSource.Epoch e = augmented.epoch(epoch);
      while (e.hasNext()) {
        try (NDManager m = manager.newSubManager()) {
          ParameterStore ps = new ParameterStore(m, false);
          BatchSource.Batch batch = e.next(m);
          NDList student = module.getStudent().forward(ps, new NDList(batch.images()), false);
          NDArray inLoop = module.forwardTeacher(ps, new NDList(batch.images())).head();
          float[] fromShards = labels.logits(epoch, batch.indices());
          assertThat(fromShards).isNotNull();
          NDArray stored = m.create(fromShards, new Shape(batch.size(), CLASSES));
          float a =
              loss.compute(new KDOutput(student, new NDList(inLoop)), batch.labels())
                  .total()
                  .getFloat();
          float b =
              loss.compute(new KDOutput(student, new NDList(stored)), batch.labels())
                  .total()
                  .getFloat();
          assertThat(Math.abs(a - b))
              .as("epoch %d batch %d: %s vs %s", epoch, batches, a, b)
              .isLessThan(1e-5f);
          batches++;
        }
      }
    }
    assertThat(batches).isEqualTo(2 * augmented.numBatches());
  }

  @Test
  void anEpochOnSoftLabelsEndsWithTheWeightsOfAnEpochWithTheTeacher() throws IOException {
    SoftLabels labels = precompute(new ExperimentDirectory(tmp.resolve("exp")), CLASSES, 0, 1, 1);
    Block inLoopStudent = mlp();
    Map<String, float[]> init = weights(inLoopStudent);
    new KDTrainer("loop", null)
        .train(
            inLoopStudent, teacher, TrainingParams.from(KDTrainerTest.params(1)), augmented, valid);
    Block fromLabels = studentLike(init);
    KDTrainer trainer = new KDTrainer("labels", null).setSoftLabels(labels);
    trainer.train(
        fromLabels, teacher, TrainingParams.from(KDTrainerTest.params(1)), augmented, valid);

    assertThat(trainer.softLabelBatches()).isEqualTo(augmented.numBatches());
    assertThat(trainer.teacherFallbackBatches()).isZero();
    Map<String, float[]> a = weights(inLoopStudent);
    Map<String, float[]> b = weights(fromLabels);
    double maxDiff = 0;
    for (String n : a.keySet()) {
      assertThat(b.get(n)).as(n).isNotEqualTo(init.get(n));
      for (int i = 0; i < a.get(n).length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a.get(n)[i] - b.get(n)[i]));
      }
    }
    assertThat(maxDiff).as("largest weight difference after one epoch").isLessThan(1e-4);
  }

  @Test
  void viewsNoShardHoldsFallBackToTheTeacher() throws IOException {
    SoftLabels epochOne = precompute(new ExperimentDirectory(tmp.resolve("exp")), CLASSES, 0, 1, 1);
    KDTrainer trainer = new KDTrainer("fallback", null).setSoftLabels(epochOne);
    TrainingOutcome outcome =
        trainer.train(
            mlp(), teacher, TrainingParams.from(KDTrainerTest.params(2)), augmented, valid);
    assertThat(outcome.epochsCompleted()).isEqualTo(2);
    assertThat(trainer.softLabelBatches()).isEqualTo(augmented.numBatches());
    assertThat(trainer.teacherFallbackBatches()).isEqualTo(augmented.numBatches());
  }

  @Test
  void aResumedRunOnSoftLabelsEqualsAnUninterruptedOne() throws IOException {
    SoftLabels labels = precompute(new ExperimentDirectory(tmp.resolve("exp")), 4, 0, 2, 1);
    Block s1 = mlp();
    Map<String, float[]> init = weights(s1);
    KDTrainer fullTrainer = new KDTrainer("full", tmp).setSoftLabels(labels);
    TrainingOutcome full =
        fullTrainer.train(
            s1, teacher, TrainingParams.from(KDTrainerTest.params(2)), augmented, valid);
    assertThat(fullTrainer.softLabelBatches()).isEqualTo(2L * augmented.numBatches());

    KDTrainer first = new KDTrainer("resumed", tmp).setSoftLabels(labels);
    first.addListener(
        new TrainingProgressListener() {
          @Override
          public void onEpochEnd(EpochRecord epoch) {
            first.requestStop();
          }
        });
    assertThat(
            first
                .train(
                    studentLike(init),
                    teacher,
                    TrainingParams.from(KDTrainerTest.params(2)),
                    augmented,
                    valid)
                .epochsCompleted())
        .isEqualTo(1);
    TrainingSpec resume = KDTrainerTest.params(2);
    resume.setResume(true);
    KDTrainer second = new KDTrainer("resumed", tmp).setSoftLabels(labels);
    TrainingOutcome resumed =
        second.train(mlp(), teacher, TrainingParams.from(resume), augmented, valid);
    assertThat(resumed.epochsCompleted()).isEqualTo(2);
    assertThat(second.softLabelBatches())
        .as("the resumed run reads epoch 2's soft labels")
        .isEqualTo(augmented.numBatches());
    assertThat(second.teacherFallbackBatches()).isZero();
    assertThat(resumed.lastValid()).isEqualTo(full.lastValid());
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> a =
          NamedArrays.load(full.latestCheckpoint().resolve(Weights.MODULE_FILE), m);
      Map<String, NDArray> b =
          NamedArrays.load(resumed.latestCheckpoint().resolve(Weights.MODULE_FILE), m);
      assertThat(a.keySet()).isEqualTo(b.keySet());
      for (String k : a.keySet()) {
        assertThat(b.get(k).toFloatArray()).as(k).containsExactly(a.get(k).toFloatArray());
      }
    }
  }
}
