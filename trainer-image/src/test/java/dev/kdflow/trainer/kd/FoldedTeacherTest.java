package dev.kdflow.trainer.kd;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.models.Models;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The teacher pass with BatchNorms folded into convolutions equals the plain pass. */
class FoldedTeacherTest {
  private static NDManager manager;

  @BeforeAll
  static void init() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** A teacher whose BatchNorms have non-trivial statistics and affine weights, as trained. */
  private static Block teacher(String arch, Map<String, Object> params, Shape input) {
    Engine.getEngine("PyTorch").setRandomSeed(5);
    Block teacher = Models.build(arch, params, manager, input);
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      Shape batch = new Shape(16).addAll(input.slice(1));
      for (int i = 0; i < 3; i++) {
        teacher.forward(ps, new NDList(m.randomNormal(batch).mul(2).add(0.5f)), true);
      }
    }
    Weights.parameters(teacher)
        .forEach(
            (n, p) -> {
              if (n.endsWith("gamma") || n.endsWith("beta")) {
                NDArray a = p.getArray();
                a.set(manager.randomUniform(0.5f, 1.5f, a.getShape()).toFloatArray());
              }
            });
    return teacher;
  }

  private static Map<String, float[]> snapshot(Block b) {
    Map<String, float[]> s = new LinkedHashMap<>();
    Weights.parameters(b).forEach((n, p) -> s.put(n, p.getArray().toFloatArray()));
    return s;
  }

  private static void assertSameLogits(Block teacher, Shape batch) {
    Block student = Models.build("mlp", Map.of("hiddenSizes", List.of(4)), manager, batch);
    Map<String, float[]> before = snapshot(teacher);
    KDModule folded = new KDModule(student, teacher);
    KDModule plain = new KDModule(student, teacher).setFoldTeacherBatchNorm(false);
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(batch);
      float[] a = folded.forwardTeacher(ps, new NDList(x)).head().toFloatArray();
      float[] b = plain.forwardTeacher(ps, new NDList(x)).head().toFloatArray();
      assertThat(folded.foldedBatchNorms()).isPositive();
      assertThat(plain.foldedBatchNorms()).isZero();
      assertThat(a).hasSameSizeAs(b);
      for (int i = 0; i < a.length; i++) {
        assertThat(a[i]).isCloseTo(b[i], org.assertj.core.api.Assertions.within(1e-4f));
      }
    }
    // the teacher's own weights are untouched
    Map<String, float[]> after = snapshot(teacher);
    before.forEach((n, v) -> assertThat(after.get(n)).as(n).containsExactly(v));
    folded.releaseFolded();
  }

  @Test
  void foldedResnetSmallGivesTheSameLogits() {
    Block teacher = teacher("resnet_small", Map.of(), new Shape(1, 1, 28, 28));
    assertSameLogits(teacher, new Shape(8, 1, 28, 28));
  }

  @Test
  void foldedPlainCnnGivesTheSameLogits() {
    Block teacher =
        teacher(
            "cnn", Map.of("inChannels", 3, "channels", List.of(8, 16)), new Shape(1, 3, 16, 16));
    assertSameLogits(teacher, new Shape(4, 3, 16, 16));
  }

  @Test
  void systemPropertyTurnsFoldingOff() {
    Block teacher = teacher("resnet_small", Map.of(), new Shape(1, 1, 28, 28));
    Block student =
        Models.build("mlp", Map.of("hiddenSizes", List.of(4)), manager, new Shape(1, 1, 28, 28));
    System.setProperty(KDModule.FOLD_PROPERTY, "false");
    try {
      KDModule module = new KDModule(student, teacher);
      assertThat(module.isFoldTeacherBatchNorm()).isFalse();
      try (NDManager m = manager.newSubManager()) {
        module.forwardTeacher(
            new ParameterStore(m, false), new NDList(m.randomNormal(new Shape(2, 1, 28, 28))));
      }
      assertThat(module.foldedBatchNorms()).isZero();
    } finally {
      System.clearProperty(KDModule.FOLD_PROPERTY);
    }
  }
}
