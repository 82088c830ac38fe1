package dev.kdflow.trainer.kd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.HintSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.trainer.TestData;
import dev.kdflow.trainer.checkpoint.NamedArrays;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.loss.FeatureHintLoss;
import dev.kdflow.trainer.loss.KDLosses;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.loss.LossParts;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.TrainingOutcome;
import dev.kdflow.trainer.training.TrainingParams;
import dev.kdflow.trainer.training.TrainingProgressListener;
import dev.kdflow.trainer.training.TrainingTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FitNets hints: features tapped, regressed, trained with the student, saved and resumed. */
class HintsTest {
  private static final Shape INPUT = new Shape(1, 1, 28, 28);
  private static final Map<String, Object> STUDENT =
      Map.of("channels", List.of(4, 8), "hiddenSize", 16);
  private static final Map<String, Object> TEACHER =
      Map.of("stageChannels", List.of(8, 16), "stageStrides", List.of(1, 2));
  private static NDManager manager;
  private static ImageBatches train;
  private static ImageBatches valid;

  @BeforeAll
  static void data() {
    manager = NDManager.newBaseManager();
    ImageData t = TestData.train(256);
    Normalization norm = Normalization.statisticsOf(t);
    train = new ImageBatches(t, norm, 64, true, 0, false, 1L);
    valid = ImageBatches.sequential(TestData.test(128), norm, 128);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static HintSpec hint(String student, String teacher, double weight) {
    HintSpec h = new HintSpec();
    h.setStudent(student);
    h.setTeacher(teacher);
    h.setWeight(weight);
    return h;
  }

  /** A 14×14 feature map pair (1×1 convolution) and a vector pair (linear layer). */
  private static final List<HintSpec> HINTS =
      List.of(hint("stage1", "block2", 0.5), hint("hidden", "pool", 2.0));

  private static Block student() {
    return Models.build("cnn", STUDENT, manager, INPUT);
  }

  private static Block teacher() {
    Engine.getEngine("PyTorch").setRandomSeed(11);
    return Models.build("resnet_small", TEACHER, manager, INPUT);
  }

  private static Hints hints(Block student, Block teacher) {
    return Hints.build(
        HINTS, "cnn", STUDENT, student, "resnet_small", TEACHER, teacher, null, manager, INPUT);
  }

  @Test
  void gradientReachesTheStudentThroughTheHintAndTheLossIsTheWeightedMse() {
    Block student = student();
    Block teacher = teacher();
    Hints hints = hints(student, teacher);
    KDModule module = new KDModule(student, teacher).setHints(hints);
    // the logit loss contributes nothing: every gradient below comes from the hints
    FeatureHintLoss loss =
        new FeatureHintLoss(
            (out, labels) -> LossParts.taskOnly(out.studentOutput().head().sum().mul(0f)),
            hints.weights());
    try (NDManager m = manager.newSubManager();
        GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(8, 1, 28, 28));
      KDOutput out = module.forwardKD(ps, new NDList(x), true);
      assertThat(out.studentOutput()).hasSize(3);
      assertThat(out.teacherOutput().get(1).getShape()).isEqualTo(new Shape(8, 16, 14, 14));
      assertThat(out.studentOutput().get(1).getShape()).isEqualTo(new Shape(8, 16, 14, 14));
      assertThat(out.studentOutput().get(2).getShape()).isEqualTo(new Shape(8, 16));
      LossParts parts = loss.compute(out, m.zeros(new Shape(8)));
      float expected =
          0.5f
                  * out.studentOutput()
                      .get(1)
                      .sub(out.teacherOutput().get(1))
                      .square()
                      .mean()
                      .getFloat()
              + 2f
                  * out.studentOutput()
                      .get(2)
                      .sub(out.teacherOutput().get(2))
                      .square()
                      .mean()
                      .getFloat();
      assertThat(parts.total().getFloat())
          .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5f));
      collector.backward(parts.total());
      // the first convolution of the student feeds stage1: its gradient comes through hint 0
      Parameter firstConv =
          Weights.parameters(student).values().stream()
              .filter(p -> p.getType() == Parameter.Type.WEIGHT)
              .findFirst()
              .orElseThrow();
      assertThat(firstConv.getArray().getGradient().abs().sum().getFloat()).isGreaterThan(0f);
      for (Parameter p : Weights.parameters(hints.regressors()).values()) {
        assertThat(p.getArray().getGradient().abs().sum().getFloat())
            .as(p.getName())
            .isGreaterThan(0f);
      }
      for (Parameter p : Weights.parameters(teacher).values()) {
        assertThat(p.requiresGradient()).as("teacher frozen: " + p.getName()).isFalse();
      }
    }
  }

  @Test
  void tappedLogitsEqualThePlainForwardPass() {
    Block student = student();
    Block teacher = teacher();
    Hints hints = hints(student, teacher);
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDList x = new NDList(m.randomNormal(new Shape(4, 1, 28, 28)));
      assertThat(hints.forwardStudent(ps, x, false).head().toFloatArray())
          .containsExactly(student.forward(ps, x, false).head().toFloatArray());
      assertThat(hints.forwardTeacher(ps, x).head().toFloatArray())
          .containsExactly(teacher.forward(ps, x, false).head().toFloatArray());
    }
  }

  @Test
  void unknownPointsAndMismatchedShapesAreNamed() {
    Block student = student();
    Block teacher = teacher();
    assertThatThrownBy(
            () ->
                Hints.build(
                    List.of(hint("stage9", "pool", 1)),
                    "cnn",
                    STUDENT,
                    student,
                    "resnet_small",
                    TEACHER,
                    teacher,
                    null,
                    manager,
                    INPUT))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining("stage9")
        .hasMessageContaining("stage1, stage2, hidden, logits");
    // stage2 is 7×7, block2 14×14: no 1×1 convolution maps one onto the other
    assertThatThrownBy(
            () ->
                Hints.build(
                    List.of(hint("stage2", "block2", 1)),
                    "cnn",
                    STUDENT,
                    student,
                    "resnet_small",
                    TEACHER,
                    teacher,
                    null,
                    manager,
                    INPUT))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining("spec.kd.hints[0]")
        .hasMessageContaining("same height and width");
  }

  private static Path torchScript(String name) {
    return Path.of("src", "test", "resources", "torchscript", name);
  }

  @Test
  void aTorchScriptTeacherExposesTupleElementsByPositionAndDictEntriesByKey() throws IOException {
    Block student = student();
    try (TorchScriptTeacher tuple =
            TorchScriptTeacher.load(torchScript("tuple_teacher.pt"), manager.getDevice());
        TorchScriptTeacher dict =
            TorchScriptTeacher.load(torchScript("dict_teacher.pt"), manager.getDevice());
        NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDList x = new NDList(m.randomNormal(new Shape(2, 1, 28, 28)));
      Hints byPosition =
          Hints.build(
              List.of(hint("hidden", "1", 1), hint("stage1", "2", 1)),
              "cnn",
              STUDENT,
              student,
              null,
              null,
              tuple.block(),
              null,
              manager,
              INPUT);
      NDList t = byPosition.forwardTeacher(ps, x);
      assertThat(t.get(0).getShape()).isEqualTo(new Shape(2, 10));
      assertThat(t.get(1).getShape()).isEqualTo(new Shape(2, 8));
      assertThat(t.get(2).getShape()).isEqualTo(new Shape(2, 8, 14, 14));
      Hints byKey =
          Hints.build(
              List.of(hint("hidden", "pool", 1)),
              "cnn",
              STUDENT,
              student,
              null,
              null,
              dict.block(),
              null,
              manager,
              INPUT);
      NDList d = byKey.forwardTeacher(ps, x);
      // the same weights: the dict's logits and pool are the tuple's first two elements
      assertThat(d.get(0).toFloatArray()).containsExactly(t.get(0).toFloatArray());
      assertThat(d.get(1).toFloatArray()).containsExactly(t.get(1).toFloatArray());
      assertThatThrownBy(
              () ->
                  Hints.build(
                      List.of(hint("hidden", "features", 1)),
                      "cnn",
                      STUDENT,
                      student,
                      null,
                      null,
                      dict.block(),
                      null,
                      manager,
                      INPUT))
          .isInstanceOf(InvalidExperimentException.class)
          .hasMessageContaining("no output 'features'")
          .hasMessageContaining("logits")
          .hasMessageContaining("pool");
    }
  }

  private static TrainingSpec params() {
    TrainingSpec p = new TrainingSpec();
    p.setMaxEpochs(2);
    p.setInitialLr(0.05);
    p.setSeed(3L);
    return p;
  }

  private static KDTrainer trainer(String name, Path dir, Hints hints) {
    return new KDTrainer(name, dir)
        .setHints(hints)
        .setKDLoss(new FeatureHintLoss(KDLosses.from(null), hints.weights()));
  }

  @Test
  void aResumedHintedRunEqualsAnUninterruptedOneAndCkptBestStaysTheStudent(@TempDir Path tmp)
      throws IOException {
    Block teacher = teacher();
    Engine.getEngine("PyTorch").setRandomSeed(5);
    Block s1 = student();
    TrainingOutcome full =
        trainer("full", tmp, hints(s1, teacher))
            .train(s1, teacher, TrainingParams.from(params()), train, valid);

    Engine.getEngine("PyTorch").setRandomSeed(5);
    Block s2 = student();
    KDTrainer first = trainer("resumed", tmp, hints(s2, teacher));
    first.addListener(
        new TrainingProgressListener() {
          @Override
          public void onEpochEnd(EpochRecord epoch) {
            first.requestStop();
          }
        });
    assertThat(
            first.train(s2, teacher, TrainingParams.from(params()), train, valid).epochsCompleted())
        .isEqualTo(1);
    TrainingSpec resume = params();
    resume.setResume(true);
    // a fresh student and fresh regressors: everything comes back from ckpt_latest
    Engine.getEngine("PyTorch").setRandomSeed(99);
    Block s3 = student();
    TrainingOutcome resumed =
        trainer("resumed", tmp, hints(s3, teacher))
            .train(s3, teacher, TrainingParams.from(resume), train, valid);
    assertThat(resumed.resumedFromEpoch()).isEqualTo(1);
    assertThat(resumed.lastValid()).isEqualTo(full.lastValid());
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> a =
          NamedArrays.load(full.latestCheckpoint().resolve(Weights.MODULE_FILE), m);
      Map<String, NDArray> b =
          NamedArrays.load(resumed.latestCheckpoint().resolve(Weights.MODULE_FILE), m);
      assertThat(a.keySet())
          .isEqualTo(b.keySet())
          .anyMatch(k -> k.startsWith(TrainingTask.AUXILIARY_PREFIX));
      for (String k : a.keySet()) {
        assertThat(b.get(k).toFloatArray()).as(k).containsExactly(a.get(k).toFloatArray());
      }
      Map<String, NDArray> best =
          NamedArrays.load(full.bestCheckpoint().resolve(Weights.MODEL_FILE), m);
      assertThat(best.keySet()).isEqualTo(Weights.parameters(s1).keySet());
    }
  }
}
