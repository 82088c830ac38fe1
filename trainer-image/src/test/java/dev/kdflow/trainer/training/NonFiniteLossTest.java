package dev.kdflow.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.loss.KDOutput;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NonFiniteLossTest {

  private static BatchSource.Batch batch(NDManager m, float[] pixels, long[] labels) {
    int n = labels.length;
    return new BatchSource.Batch(
        m.create(pixels, new Shape(n, 1, 1, pixels.length / n)),
        m.create(labels),
        n,
        new int[] {70, 71, 72});
  }

  private static Map<String, Parameter> weights(NDManager m, float... values) {
    Parameter p = Parameter.builder().setName("fc.weight").setType(Parameter.Type.WEIGHT).build();
    p.setArray(m.create(values));
    return Map.of("fc.weight", p);
  }

  private static KDOutput output(NDManager m, float[] student, float[] teacher) {
    return new KDOutput(
        new NDList(m.create(student, new Shape(3, 2))),
        teacher == null ? null : new NDList(m.create(teacher, new Shape(3, 2))));
  }

  private static final float[] FINITE_LOGITS = {0.5f, -0.5f, 1f, 2f, 0f, 0f};

  @Test
  void aNonFiniteInputIsBlamedOnTheDataWithTheImagesToReplay() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] pixels = {0f, 1f, 2f, 3f, Float.NaN, 5f, 6f, 7f, Float.POSITIVE_INFINITY};
      String why =
          NonFiniteLoss.diagnose(
              batch(m, pixels, new long[] {0, 1, 1}),
              output(m, FINITE_LOGITS, FINITE_LOGITS),
              weights(m, 1f, 2f));
      assertThat(why)
          .contains("input batch has 2 non-finite value(s)")
          .contains("dataset index [71, 72]")
          .contains("dataset.mean/std")
          .doesNotContain("initialLr");
    }
  }

  @Test
  void aLabelOutsideTheStudentsClassesIsNamed() {
    try (NDManager m = NDManager.newBaseManager()) {
      String why =
          NonFiniteLoss.diagnose(
              batch(m, new float[3], new long[] {0, 2, 1}),
              output(m, FINITE_LOGITS, FINITE_LOGITS),
              weights(m, 1f));
      assertThat(why).contains("label 2 is outside the student's 2 classes").contains("numClasses");
    }
  }

  @Test
  void finiteInputsWithANonFiniteWeightAreADivergenceAndSayWhatToLower() {
    try (NDManager m = NDManager.newBaseManager()) {
      String why =
          NonFiniteLoss.diagnose(
              batch(m, new float[3], new long[] {0, 1, 1}),
              output(m, new float[] {Float.NaN, 0, 0, 0, 0, 0}, FINITE_LOGITS),
              weights(m, 1f, Float.NaN));
      assertThat(why)
          .contains("weight fc.weight became non-finite")
          .contains("training.initialLr")
          .contains("training.clipGradNorm");
    }
  }

  @Test
  void aNonFiniteTeacherOnFiniteInputsPointsAtTheTeacher() {
    try (NDManager m = NDManager.newBaseManager()) {
      String why =
          NonFiniteLoss.diagnose(
              batch(m, new float[3], new long[] {0, 1, 1}),
              output(m, FINITE_LOGITS, new float[] {0, 0, Float.NaN, 0, 0, 0}),
              weights(m, 1f));
      assertThat(why).contains("teacher's output is non-finite").contains("checkpoint");
    }
  }

  @Test
  void anOverflowingStudentOutputIsADivergence() {
    try (NDManager m = NDManager.newBaseManager()) {
      String why =
          NonFiniteLoss.diagnose(
              batch(m, new float[3], new long[] {0, 1, 1}),
              output(m, new float[] {Float.POSITIVE_INFINITY, 0, 0, 0, 0, 0}, null),
              weights(m, 1f));
      assertThat(why).contains("student's output is non-finite").contains("initialLr");
    }
  }

  @Test
  void whenEverythingGoingInIsFiniteItSaysSoWithTheLargestLogit() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray big = m.create(new float[] {3e38f, -3e38f, 0, 0, 0, 0}, new Shape(3, 2));
      String why =
          NonFiniteLoss.diagnose(
              batch(m, new float[3], new long[] {0, 1, 1}),
              new KDOutput(new NDList(big), null),
              weights(m, 1f));
      assertThat(why).contains("are finite (largest |student logit| 3.00e+38)");
    }
  }
}
