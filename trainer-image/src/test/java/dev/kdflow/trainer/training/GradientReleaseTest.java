package dev.kdflow.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class GradientReleaseTest {
  @Test
  void theNextBackwardGivesTheFreshGradientNotTheSumAndTheWeightsStay() {
    Engine engine = Engine.getEngine("PyTorch");
    assertThat(GradientRelease.dropsGradients()).isTrue();
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(new float[] {1f, 2f, 3f});
      w.setRequiresGradient(true);
      NDArray x1 = manager.create(new float[] {10f, 20f, 30f});
      NDArray x2 = manager.create(new float[] {-1f, 0.5f, 4f});

      try (GradientCollector gc = engine.newGradientCollector()) {
        gc.backward(w.mul(x1).sum());
      }
      assertThat(w.getGradient().toFloatArray()).containsExactly(10f, 20f, 30f);

      GradientRelease.release(w);
      assertThat(w.toFloatArray()).containsExactly(1f, 2f, 3f);
      assertThat(JniUtils.requiresGrad((PtNDArray) w)).isTrue();

      try (GradientCollector gc = engine.newGradientCollector()) {
        gc.backward(w.mul(x2).sum());
      }
      // a zeroed gradient would give the same; an untouched one 9, 20.5, 34
      assertThat(w.getGradient().toFloatArray()).containsExactly(-1f, 0.5f, 4f);

      // in-place updates still reach the array every holder sees
      w.subi(manager.create(new float[] {1f, 1f, 1f}));
      assertThat(w.toFloatArray()).containsExactly(0f, 1f, 2f);
      assertThat(manager.getManagedArrays()).contains(w);
    }
  }
}
