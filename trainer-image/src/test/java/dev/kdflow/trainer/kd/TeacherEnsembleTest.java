package dev.kdflow.trainer.kd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.KDSpec;
import dev.kdflow.api.LossSpec;
import dev.kdflow.trainer.loss.KDLoss;
import dev.kdflow.trainer.loss.KDLosses;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.loss.LossParts;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Several teachers: weighted logit average, or a weighted sum of per-teacher losses. */
class TeacherEnsembleTest {

  /** A "teacher" that returns fixed logits whatever its input. */
  private static Block fixed(NDArray logits) {
    return new LambdaBlock(x -> new NDList(logits.duplicate()));
  }

  @Test
  void averageLogitsIsTheNormalisedWeightedMeanAndEachAdapterSeesOnlyItsTeacher() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
      NDArray b = m.create(new float[] {5, 6, 7, 8}, new Shape(2, 2));
      // the second teacher returns its (adapted) input: the adapter doubles it
      Block echo = new LambdaBlock(x -> new NDList(x.head().duplicate()));
      Block doubler = new LambdaBlock(x -> new NDList(x.head().mul(2)));
      TeacherEnsemble e =
          new TeacherEnsemble(
              List.of(fixed(a), echo),
              Arrays.asList(null, doubler),
              new double[] {1, 3},
              KDSpec.TeachersMode.AVERAGE_LOGITS);
      NDList out = e.forward(new ParameterStore(m, false), new NDList(b), false);
      assertThat(out).hasSize(1);
      // 0.25·a + 0.75·(2b)
      assertThat(out.head().toFloatArray()).containsExactly(7.75f, 9.5f, 11.25f, 13f);
    }
  }

  @Test
  void sumLossesIsTheWeightedSumOfOneLossPerTeacher() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray s = m.create(new float[] {0.5f, -1, 2, 0.1f, 0, 1}, new Shape(2, 3));
      NDArray t1 = m.create(new float[] {3, 0, -1, 1, 1, 2}, new Shape(2, 3));
      NDArray t2 = m.create(new float[] {-2, 1, 0.5f, 0, 4, -1}, new Shape(2, 3));
      NDArray labels = m.create(new long[] {2, 1});
      LossSpec spec = new LossSpec();
      spec.setTemperature(4.0);
      KDLoss one = KDLosses.from(spec);
      TeacherEnsemble e =
          new TeacherEnsemble(
              List.of(fixed(t1), fixed(t2)),
              Arrays.asList(null, null),
              new double[] {2, 6},
              KDSpec.TeachersMode.SUM_LOSSES);
      NDList teachers = e.forward(new ParameterStore(m, false), new NDList(s), false);
      assertThat(teachers).hasSize(2);
      LossParts sum =
          new MultiTeacherLoss(one, new double[] {2, 6})
              .compute(new KDOutput(new NDList(s), teachers), labels);
      LossParts l1 = one.compute(new KDOutput(new NDList(s), new NDList(t1)), labels);
      LossParts l2 = one.compute(new KDOutput(new NDList(s), new NDList(t2)), labels);
      assertThat(sum.total().getFloat())
          .isCloseTo(0.25f * l1.total().getFloat() + 0.75f * l2.total().getFloat(), within(1e-6f));
      // weights sum to 1: the task term counts once
      assertThat(sum.task().getFloat()).isCloseTo(l1.task().getFloat(), within(1e-6f));
      assertThat(sum.distill().getFloat())
          .isCloseTo(
              0.25f * l1.distill().getFloat() + 0.75f * l2.distill().getFloat(), within(1e-6f));
    }
  }
}
