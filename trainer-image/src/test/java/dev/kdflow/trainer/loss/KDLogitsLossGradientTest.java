package dev.kdflow.trainer.loss;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * The distillation term must reach the student: its gradient with respect to the student's logits
 * is {@code T·(softmax(s/T) − softmax(t/T)) / batch}. Matching values alone cannot show this.
 */
class KDLogitsLossGradientTest {

  @Test
  void distillationGradientReachesTheStudentLogits() {
    double temperature = 4;
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getEngine("PyTorch").setRandomSeed(7);
      NDArray student = manager.randomNormal(new Shape(8, 10)).mul(3);
      NDArray teacher = manager.randomNormal(new Shape(8, 10)).mul(3);
      student.setRequiresGradient(true);
      KDLogitsLoss loss = new KDLogitsLoss(new CrossEntropyLoss(), 1.0, temperature);
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        gc.backward(loss.distillation(student, teacher));
      }
      NDArray expected =
          student
              .stopGradient()
              .div(temperature)
              .softmax(1)
              .sub(teacher.div(temperature).softmax(1))
              .mul((float) (temperature / 8));
      float[] got = student.getGradient().toFloatArray();
      float[] want = expected.toFloatArray();
      assertThat(want).isNotEmpty();
      for (int i = 0; i < want.length; i++) {
        assertThat((double) got[i]).as("gradient %d", i).isCloseTo(want[i], within(1e-6));
      }
      assertThat(student.getGradient().abs().sum().getFloat()).isPositive();
    }
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}
