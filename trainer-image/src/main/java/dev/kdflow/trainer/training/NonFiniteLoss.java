package dev.kdflow.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.loss.KDOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Says why a step's loss is not finite, by looking at what went into it in the order a NaN flows:
 * the input batch, the labels, the weights, the teacher's output, the student's output. Only runs
 * once, when the step has already failed, so its cost does not matter. The answer names the first
 * culprit and the fix: bad data (the images to look at, which {@link BatchSource#view} replays
 * alone) is not a learning-rate problem, and a diverged student is not a data problem.
 */
final class NonFiniteLoss {
  private NonFiniteLoss() {}

  /**
   * @param batch the step's batch
   * @param out the step's forward output
   * @param trainable the weights being trained
   * @return one sentence: what is not finite (or that everything going in is), and what to do
   */
  static String diagnose(BatchSource.Batch batch, KDOutput out, Map<String, Parameter> trainable) {
    NDArray images = batch.images();
    long badValues = nonFinite(images);
    if (badValues > 0) {
      return String.format(
          Locale.ROOT,
          "the input batch has %d non-finite value(s), in the images at dataset index %s: the"
              + " data or its normalisation (dataset.mean/std) is broken, not the training;"
              + " check those files",
          badValues,
          badImages(batch));
    }
    NDList student = out.studentOutput();
    long classes = student.head().getShape().get(student.head().getShape().dimension() - 1);
    long[] labels = batch.labels().toLongArray();
    for (long label : labels) {
      if (label < 0 || label >= classes) {
        return "label "
            + label
            + " is outside the student's "
            + classes
            + " classes: set the student's numClasses to the dataset's class count";
      }
    }
    for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
      if (nonFinite(e.getValue().getArray()) > 0) {
        return "the student's weight "
            + e.getKey()
            + " became non-finite in the previous update while this batch is finite: if the"
            + " loss grew over the steps before (metrics.jsonl), the training diverged: lower"
            + " training.initialLr, add warm-up (training.lrWarmupEpochs) or clip gradients"
            + " (training.clipGradNorm); if it did not, the update itself went wrong: rerun from"
            + " the last checkpoint with training.resume";
      }
    }
    if (out.teacherOutput() != null) {
      for (NDArray t : out.teacherOutput()) {
        if (nonFinite(t) > 0) {
          return "the teacher's output is non-finite on finite inputs: check the teacher's"
              + " checkpoint (its weights) and kd.teacherInputAdapter";
        }
      }
    }
    double largest = maxAbs(student.head());
    if (nonFinite(student.head()) > 0) {
      return "the student's output is non-finite on finite inputs and weights: the training"
          + " diverged; lower training.initialLr or clip gradients (training.clipGradNorm)";
    }
    return String.format(
        Locale.ROOT,
        "inputs, weights and outputs are finite (largest |student logit| %.3g) but the loss is"
            + " not: lower training.initialLr or clip gradients (training.clipGradNorm), or check"
            + " the loss settings (kd.loss.temperature)",
        largest);
  }

  private static long nonFinite(NDArray a) {
    return a.isNaN().logicalOr(a.isInfinite()).countNonzero().getLong();
  }

  private static double maxAbs(NDArray a) {
    return a.abs().max().getFloat();
  }

  /** Dataset indices of the images with a non-finite value (at most 10 listed). */
  private static String badImages(BatchSource.Batch batch) {
    NDArray images = batch.images();
    boolean[] mask = images.isNaN().logicalOr(images.isInfinite()).toBooleanArray();
    int perImage = mask.length / batch.size();
    List<Integer> indices = new ArrayList<>();
    int count = 0;
    for (int b = 0; b < batch.size(); b++) {
      boolean bad = false;
      for (int k = b * perImage; k < (b + 1) * perImage && !bad; k++) {
        bad = mask[k];
      }
      if (bad) {
        count++;
        if (indices.size() < 10) {
          indices.add(batch.indices()[b]);
        }
      }
    }
    return indices + (count > indices.size() ? " and " + (count - indices.size()) + " more" : "");
  }
}
