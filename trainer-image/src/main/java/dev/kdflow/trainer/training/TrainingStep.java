package dev.kdflow.trainer.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.loss.LossParts;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One optimizer step on one batch: forward, loss, backward, a finite-loss check, optional global
 * gradient-norm clipping, the optimizer's update, the gradients dropped ({@link GradientRelease})
 * and the EMA update.
 */
final class TrainingStep {
  private final Engine engine;
  private final TrainingTask task;
  private final Map<String, Parameter> trainable;
  private final ParameterOptimizer optimizer;
  private final Ema ema;
  private final double clipGradNorm;

  /**
   * What one step measured.
   *
   * @param total the total loss
   * @param task its task part
   * @param distill its distillation part; null without a teacher
   * @param correct correct top-1 predictions in the batch (training mode)
   * @param size the batch's images
   */
  record Result(double total, double task, Double distill, long correct, int size) {}

  /**
   * @param clipGradNorm the largest global gradient norm; 0 does not clip
   * @param ema the EMA to update after each step, or null
   */
  TrainingStep(
      Engine engine,
      TrainingTask task,
      Map<String, Parameter> trainable,
      ParameterOptimizer optimizer,
      Ema ema,
      double clipGradNorm) {
    this.engine = engine;
    this.task = task;
    this.trainable = trainable;
    this.optimizer = optimizer;
    this.ema = ema;
    this.clipGradNorm = clipGradNorm;
  }

  /**
   * Trains on one batch.
   *
   * @param manager owns the step's temporary arrays (gradients are attached to it)
   * @param where "epoch E, step S" for the message of a non-finite loss
   * @throws TrainingFailedException when the loss is not finite; the weights are left unchanged
   */
  Result run(
      ParameterStore ps, BatchSource.Batch batch, double lr, NDManager manager, String where) {
    LossParts parts;
    KDOutput out;
    try (GradientCollector gc = engine.newGradientCollector()) {
      out = task.forward(ps, batch, true, false);
      parts = task.loss(out, batch.labels());
      gc.backward(parts.total());
    }
    // One host read for every scalar the step reports (the loss, its parts and the top-1 count)
    // instead of one each: every read waits for the device and crosses JNI.
    float[] scalars = readScalars(parts, out, batch);
    double total = scalars[0];
    if (!Double.isFinite(total)) {
      throw new TrainingFailedException(
          "loss is "
              + total
              + " at "
              + where
              + ": "
              + NonFiniteLoss.diagnose(batch, out, trainable)
              + "; checkpoints are left as they were before this epoch");
    }
    Map<String, NDArray> grads = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
      NDArray g = e.getValue().getArray().getGradient();
      g.attach(manager);
      grads.put(e.getKey(), g);
    }
    if (clipGradNorm > 0) {
      clipGradNorm(grads, clipGradNorm);
    }
    optimizer.step(grads, lr);
    for (Parameter p : trainable.values()) {
      GradientRelease.release(p.getArray());
    }
    if (ema != null) {
      ema.update();
    }
    Double distillV = parts.distill() == null ? null : (double) scalars[2];
    return new Result(total, scalars[1], distillV, (long) scalars[3], batch.size());
  }

  /**
   * The total loss, its task and distillation parts (the task part again without a teacher) and the
   * correct top-1 count, read from the device together. The count is exact in float32: a batch
   * holds far fewer than 2^24 images.
   */
  private static float[] readScalars(LossParts parts, KDOutput out, BatchSource.Batch batch) {
    NDArray correct = ValidationPass.top1Correct(out.studentOutput().head(), batch.labels());
    NDArray distill = parts.distill() == null ? parts.task() : parts.distill();
    NDList all =
        new NDList(parts.total(), parts.task(), distill, correct.toType(DataType.FLOAT32, false));
    return NDArrays.stack(all).toFloatArray();
  }

  /** Scales all gradients so that their global L2 norm is at most {@code maxNorm}. */
  static void clipGradNorm(Map<String, NDArray> grads, double maxNorm) {
    double sq = 0;
    for (NDArray g : grads.values()) {
      sq += g.square().sum().getFloat();
    }
    double coef = maxNorm / (Math.sqrt(sq) + 1e-6);
    if (coef < 1) {
      for (NDArray g : grads.values()) {
        g.muli((float) coef);
      }
    }
  }
}
