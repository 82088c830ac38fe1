package dev.kdflow.trainer.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.KDOutput;

/**
 * One pass over a validation set without gradients: the student's mean cross-entropy and Top-1 /
 * Top-5 accuracy, and the teacher's accuracies when it ran.
 */
final class ValidationPass {
  private ValidationPass() {}

  /** Validates a task's networks. */
  static EpochRecord.ValidMetrics run(TrainingTask task, ParameterStore ps, BatchSource valid) {
    CrossEntropyLoss ce = new CrossEntropyLoss();
    BatchSource.Epoch batches = valid.epoch(0);
    double lossSum = 0;
    long top1 = 0;
    long top5 = 0;
    long tTop1 = 0;
    long tTop5 = 0;
    boolean teacherRan = false;
    long n = 0;
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager manager = NDManager.newBaseManager(deviceOf(task.student()))) {
      while (batches.hasNext()) {
        try (NDScope scope = new NDScope();
            NDManager sm = manager.newSubManager()) {
          scope.suppressNotUsedWarning();
          BatchSource.Batch b = batches.next(sm);
          KDOutput out = task.forward(ps, b, false, true);
          NDArray s = out.studentOutput().head();
          lossSum += ce.of(s, b.labels()).getFloat() * b.size();
          top1 += countTop1(s, b.labels());
          top5 += countTop5(s, b.labels());
          if (out.teacherOutput() != null) {
            teacherRan = true;
            tTop1 += countTop1(out.teacherOutput().head(), b.labels());
            tTop5 += countTop5(out.teacherOutput().head(), b.labels());
          }
          n += b.size();
        }
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    return new EpochRecord.ValidMetrics(
        lossSum / n,
        top1 / (double) n,
        top5 / (double) n,
        teacherRan ? tTop1 / (double) n : null,
        teacherRan ? tTop5 / (double) n : null);
  }

  /** Validates a network alone (teacher fields null). */
  static EpochRecord.ValidMetrics run(Block model, BatchSource valid) {
    try (NDManager m = NDManager.newBaseManager(deviceOf(model))) {
      ParameterStore ps = new ParameterStore(m, false);
      return run(TrainingTask.alone(model, null), ps, valid);
    }
  }

  /** Correct top-1 predictions in a batch. */
  static long countTop1(NDArray logits, NDArray labels) {
    return top1Correct(logits, labels).toType(DataType.INT64, false).getLong();
  }

  /** Correct top-1 predictions as a scalar array, left on the device (no host read). */
  static NDArray top1Correct(NDArray logits, NDArray labels) {
    return logits.argMax(1).eq(labels).sum();
  }

  /** Correct top-5 predictions (the label's logit is among the 5 largest). */
  static long countTop5(NDArray logits, NDArray labels) {
    NDArray target =
        logits
            .mul(labels.oneHot((int) logits.getShape().get(1), logits.getDataType()))
            .sum(new int[] {1}, true);
    NDArray above = logits.gt(target).sum(new int[] {1});
    return above.lt(5).sum().toType(DataType.INT64, false).getLong();
  }

  /** The device a network's parameters live on. */
  static Device deviceOf(Block block) {
    return Weights.parameters(block).values().iterator().next().getArray().getDevice();
  }
}
