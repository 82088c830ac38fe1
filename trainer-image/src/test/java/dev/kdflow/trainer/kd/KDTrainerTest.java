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
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.trainer.TestData;
import dev.kdflow.trainer.checkpoint.NamedArrays;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.data.ImageBatches;
import dev.kdflow.trainer.data.ImageData;
import dev.kdflow.trainer.data.Normalization;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.loss.LossParts;
import dev.kdflow.trainer.models.Models;
import dev.kdflow.trainer.training.EpochRecord;
import dev.kdflow.trainer.training.TrainingOutcome;
import dev.kdflow.trainer.training.TrainingParams;
import dev.kdflow.trainer.training.TrainingProgressListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KD training: the teacher stays frozen; custom KD modules and losses plug in. */
class KDTrainerTest {
  private static NDManager manager;
  private static ImageBatches train;
  private static ImageBatches valid;

  @BeforeAll
  static void data() {
    manager = NDManager.newBaseManager();
    ImageData t = TestData.train(512);
    Normalization norm = Normalization.statisticsOf(t);
    train = new ImageBatches(t, norm, 64, true, 2, true, 1L);
    valid = ImageBatches.sequential(TestData.test(256), norm, 128);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static TrainingSpec params(int epochs) {
    TrainingSpec p = new TrainingSpec();
    p.setMaxEpochs(epochs);
    p.setInitialLr(0.05);
    p.setSeed(3L);
    return p;
  }

  static Block mlp() {
    return Models.build(
        "mlp", Map.of("hiddenSizes", List.of(64)), manager, new Shape(1, 1, 28, 28));
  }

  static Block teacher() {
    Engine.getEngine("PyTorch").setRandomSeed(11);
    Block teacher =
        Models.build(
            "resnet_small",
            Map.of("stageChannels", List.of(8, 16), "stageStrides", List.of(1, 2)),
            manager,
            new Shape(1, 1, 28, 28));
    // give BatchNorm non-trivial running statistics, as a trained teacher has
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      teacher.forward(ps, new NDList(m.randomNormal(new Shape(32, 1, 28, 28))), true);
    }
    return teacher;
  }

  private static Map<String, float[]> snapshot(Block b) {
    Map<String, float[]> s = new LinkedHashMap<>();
    Weights.parameters(b).forEach((n, p) -> s.put(n, p.getArray().toFloatArray()));
    return s;
  }

  @Test
  void teacherIsBitIdenticalAndGradientFreeAfterAKDEpoch() {
    Block student = mlp();
    Block teacher = teacher();
    Map<String, float[]> before = snapshot(teacher);
    Map<String, float[]> studentBefore = snapshot(student);
    assertThat(before.keySet()).anyMatch(n -> n.contains("runningMean"));

    TrainingOutcome result =
        new KDTrainer("kd", null)
            .train(student, teacher, TrainingParams.from(params(1)), train, valid);

    assertThat(result.epochsCompleted()).isEqualTo(1);
    Map<String, float[]> after = snapshot(teacher);
    for (String name : before.keySet()) {
      assertThat(after.get(name)).as(name).containsExactly(before.get(name));
    }
    for (Parameter p : Weights.parameters(teacher).values()) {
      PtNDArray a = (PtNDArray) p.getArray();
      assertThat(JniUtils.requiresGrad(a)).as(p.getName()).isFalse();
      assertThat(JniUtils.getGradient(a)).as(p.getName()).isNull();
    }
    // the student did learn
    assertThat(snapshot(student).get(studentBefore.keySet().iterator().next()))
        .isNotEqualTo(studentBefore.values().iterator().next());
    assertThat(result.lastValid().teacherTop1()).isNotNull();
  }

  @Test
  void teacherForwardRecordsNoAutogradGraph() {
    KDModule module = new KDModule(mlp(), teacher());
    try (NDManager m = manager.newSubManager();
        ai.djl.training.GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      ParameterStore ps = new ParameterStore(m, false);
      KDOutput out =
          module.forwardKD(ps, new NDList(m.randomNormal(new Shape(4, 1, 28, 28))), true);
      // the student's output hangs on an autograd graph, the teacher's on none
      assertThat(JniUtils.getGradientFunctionNames((PtNDArray) out.studentOutput().head()))
          .contains("Backward");
      NDArray teacherOnly = out.teacherOutput().head().sum();
      assertThatThrownBy(() -> gc.backward(teacherOnly)).hasMessageContaining("grad");
      gc.backward(out.studentOutput().head().sum().add(teacherOnly));
      for (Parameter p : Weights.parameters(module.getTeacher()).values()) {
        assertThat(JniUtils.getGradient((PtNDArray) p.getArray())).as(p.getName()).isNull();
      }
    }
  }

  @Test
  void cachedTeacherOutputsGiveTheSameTrainingAsRunningTheTeacher() {
    ImageBatches plain =
        new ImageBatches(train.data(), train.normalization(), 64, true, 0, false, 1L);
    Block teacher = teacher();
    Block s1 = mlp();
    Map<String, float[]> init = snapshot(s1);
    Block s2 = mlp();
    init.forEach((n, v) -> Weights.parameters(s2).get(n).getArray().set(v));
    TrainingOutcome cached =
        new KDTrainer("c", null).train(s1, teacher, TrainingParams.from(params(2)), plain, valid);
    TrainingOutcome direct =
        new KDTrainer("d", null)
            .setCacheTeacherOutputs(false)
            .train(s2, teacher, TrainingParams.from(params(2)), plain, valid);
    assertThat(cached.lastValid().teacherTop1()).isEqualTo(direct.lastValid().teacherTop1());
    Map<String, float[]> a = snapshot(s1);
    Map<String, float[]> b = snapshot(s2);
    for (String n : a.keySet()) {
      float[] x = a.get(n);
      float[] y = b.get(n);
      for (int i = 0; i < x.length; i++) {
        // only float rounding of batch composition may differ
        assertThat(x[i]).as(n).isCloseTo(y[i], org.assertj.core.api.Assertions.within(1e-3f));
      }
    }
  }

  @Test
  void resumedKDRunWithCachedTeacherEqualsAnUninterruptedOne(@TempDir Path tmp) throws IOException {
    ImageBatches plain =
        new ImageBatches(train.data(), train.normalization(), 64, true, 0, false, 1L);
    Block teacher = teacher();
    Block s1 = mlp();
    Map<String, float[]> init = snapshot(s1);
    TrainingOutcome full =
        new KDTrainer("full", tmp).train(s1, teacher, TrainingParams.from(params(2)), plain, valid);

    Block s2 = mlp();
    init.forEach((n, v) -> Weights.parameters(s2).get(n).getArray().set(v));
    KDTrainer first = new KDTrainer("resumed", tmp);
    first.addListener(
        new TrainingProgressListener() {
          @Override
          public void onEpochEnd(EpochRecord epoch) {
            first.requestStop();
          }
        });
    assertThat(
            first
                .train(s2, teacher, TrainingParams.from(params(2)), plain, valid)
                .epochsCompleted())
        .isEqualTo(1);
    TrainingSpec resume = params(2);
    resume.setResume(true);
    TrainingOutcome resumed =
        new KDTrainer("resumed", tmp)
            .train(mlp(), teacher, TrainingParams.from(resume), plain, valid);
    assertThat(resumed.epochsCompleted()).isEqualTo(2);
    assertThat(resumed.lastValid()).isEqualTo(full.lastValid());
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> a =
          NamedArrays.load(full.latestCheckpoint().resolve(Weights.MODULE_FILE), m);
      Map<String, NDArray> b =
          NamedArrays.load(resumed.latestCheckpoint().resolve(Weights.MODULE_FILE), m);
      assertThat(a.keySet()).isEqualTo(b.keySet()).anyMatch(k -> k.startsWith("teacher."));
      for (String k : a.keySet()) {
        assertThat(b.get(k).toFloatArray()).as(k).containsExactly(a.get(k).toFloatArray());
      }
    }
  }

  /** A KD module that also hands the student's penultimate features to the loss. */
  static final class FeatureKDModule extends KDModule {
    FeatureKDModule(Block student, Block teacher) {
      super(student, teacher);
    }

    @Override
    public KDOutput forwardKD(ParameterStore ps, NDList inputs, boolean training) {
      KDOutput plain = super.forwardKD(ps, inputs, training);
      NDList student = new NDList(plain.studentOutput().head(), inputs.head().mean());
      return new KDOutput(student, plain.teacherOutput());
    }
  }

  @Test
  void customModuleAndLossReceiveTheKDOutput() {
    List<Integer> studentArrays = new ArrayList<>();
    List<Double> distills = new ArrayList<>();
    CrossEntropyLoss ce = new CrossEntropyLoss();
    KDTrainer trainer = new KDTrainer("custom", null);
    trainer.setKDLoss(
        (KDOutput out, NDArray labels) -> {
          studentArrays.add(out.studentOutput().size());
          NDArray task = ce.of(out.studentOutput().head(), labels);
          NDArray mse = out.studentOutput().head().sub(out.teacherOutput().head()).square().mean();
          return new LossParts(task.add(mse.mul(0.1f)), task, mse);
        });
    trainer.addListener(
        new TrainingProgressListener() {
          @Override
          public void onEpochEnd(EpochRecord epoch) {
            distills.add(epoch.train().distillLoss());
          }
        });
    TrainingOutcome r =
        trainer.train(
            new FeatureKDModule(mlp(), teacher()), TrainingParams.from(params(1)), train, valid);
    assertThat(r.epochsCompleted()).isEqualTo(1);
    assertThat(studentArrays).isNotEmpty().allMatch(n -> n == 2);
    assertThat(distills).hasSize(1).allMatch(d -> d != null && d > 0);
  }
}
