package dev.kdflow.trainer.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every KD loss against PyTorch (tools/gen_loss_golden.py): the parts, and the gradient of the
 * total with respect to the student's logits. A second check trains a student one SGD step through
 * a real block, so a cast or detach anywhere on the student's path would show as a wrong step.
 */
class LossGoldenTest {
  /** Float32 arithmetic against a float64 reference: relative for values above 1. */
  private static final double VALUE_TOL = 2e-5;

  private static final double GRAD_TOL = 2e-6;

  static Stream<LossGolden.Case> cases() {
    return LossGolden.cases().stream();
  }

  @Test
  void everyLossTypeHasGoldenCases() {
    List<String> types = LossGolden.cases().stream().map(LossGolden.Case::loss).toList();
    assertThat(types).contains("KDLogitsLoss", "HintonKD", "DKD", "DIST");
    assertThat(LossGolden.cases()).anyMatch(c -> c.standardize() && c.loss().equals("DKD"));
    assertThat(LossGolden.cases()).anyMatch(c -> c.standardize() && c.loss().equals("HintonKD"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void valuesAndStudentGradientMatchPyTorch(LossGolden.Case c) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray student = c.student(m);
      student.setRequiresGradient(true);
      LossParts parts;
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        parts =
            c.build()
                .compute(new KDOutput(new NDList(student), new NDList(c.teacher(m))), c.labels(m));
        gc.backward(parts.total());
      }
      assertClose(parts.task().getFloat(), c.expected("task"), c + " task");
      assertClose(parts.distill().getFloat(), c.expected("distill"), c + " distill");
      assertClose(parts.total().getFloat(), c.expected("total"), c + " total");
      float[] got = student.getGradient().toFloatArray();
      float[] want = c.expectedGradient();
      assertThat(got).hasSameSizeAs(want);
      for (int i = 0; i < want.length; i++) {
        assertThat((double) got[i])
            .as("%s gradient %d", c, i)
            .isCloseTo(want[i], within(GRAD_TOL * Math.max(1, Math.abs(want[i]))));
      }
    }
  }

  /**
   * A linear student without bias whose weight is the golden student logits (transposed), fed the
   * identity: its logits are the golden ones, and one SGD step must move the weight by {@code −lr ·
   * PyTorch's gradient}, whose distillation share is large in every case.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void oneSgdStepMovesTheStudentAsPyTorchSays(LossGolden.Case c) {
    float lr = 0.1f;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = c.student(m);
      long n = logits.getShape().get(0);
      long classes = logits.getShape().get(1);
      Linear student = Linear.builder().setUnits(classes).optBias(false).build();
      student.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(n, n));
      Parameter weight = student.getParameters().get("weight");
      // DJL's Linear weight is [out, in]: logits = x · Wᵀ, so W = logitsᵀ with x = I
      weight.getArray().set(logits.transpose().toFloatArray());
      float[] before = weight.getArray().toFloatArray();
      ParameterStore ps = new ParameterStore(m, false);
      Optimizer sgd = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(lr)).build();
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray out = student.forward(ps, new NDList(m.eye((int) n)), true).head();
        LossParts parts =
            c.build().compute(new KDOutput(new NDList(out), new NDList(c.teacher(m))), c.labels(m));
        gc.backward(parts.total());
      }
      sgd.update(weight.getId(), weight.getArray(), weight.getArray().getGradient());
      float[] after = weight.getArray().toFloatArray();
      float[] g = c.expectedGradient(); // [n, classes], row-major
      for (int k = 0; k < classes; k++) {
        for (int i = 0; i < n; i++) {
          int w = (int) (k * n + i);
          double expectedStep = -lr * g[(int) (i * classes + k)];
          assertThat((double) (after[w] - before[w]))
              .as("%s weight [%d,%d]", c, k, i)
              .isCloseTo(expectedStep, within(1e-5 + 1e-3 * Math.abs(expectedStep)));
        }
      }
    }
  }

  private static void assertClose(double actual, double expected, String what) {
    assertThat(actual)
        .as(what)
        .isCloseTo(expected, within(VALUE_TOL * Math.max(1, Math.abs(expected))));
  }
}
