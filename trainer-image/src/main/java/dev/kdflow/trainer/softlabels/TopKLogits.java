package dev.kdflow.trainer.softlabels;

import java.util.Arrays;

/**
 * What one view's teacher logits are reduced to, and how training gets logits back.
 *
 * <p>A record keeps the {@code k} largest logits (descending, ties by class index), their class
 * indices and the log-sum-exp of all the logits. With {@code k} equal to the number of classes,
 * {@link #reconstruct} gives the teacher's logits back exactly. With fewer, every class not kept
 * gets the same logit, chosen so that at temperature 1 the kept classes have exactly the teacher's
 * probabilities and the remaining probability is spread uniformly over the other classes (FKD's
 * reconstruction). Never {@code -inf}: a zero target probability would make the KL term's {@code
 * p·log p} NaN. At another temperature the kept classes' relative weights stay exact and the rest
 * is an approximation.
 */
public final class TopKLogits {
  /** Smallest remaining probability used when rounding leaves none for the other classes. */
  static final double MIN_REST = 1e-12;

  private TopKLogits() {}

  /** Bytes of one stored record: k float values, k int class indices, one float log-sum-exp. */
  public static int recordBytes(int k) {
    return 8 * k + 4;
  }

  /**
   * Selects the {@code k} largest of {@code logits[offset .. offset + classes)}.
   *
   * @param values receives the k values, descending
   * @param indices receives their class indices
   * @return the log-sum-exp of all the row's logits
   */
  public static float select(
      float[] logits, int offset, int classes, int k, float[] values, int[] indices) {
    Integer[] order = new Integer[classes];
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      order[c] = c;
      max = Math.max(max, logits[offset + c]);
    }
    Arrays.sort(order, (a, b) -> Float.compare(logits[offset + b], logits[offset + a]));
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      sum += Math.exp(logits[offset + c] - max);
    }
    for (int j = 0; j < k; j++) {
      indices[j] = order[j];
      values[j] = logits[offset + order[j]];
    }
    return (float) (max + Math.log(sum));
  }

  /**
   * Writes the logits a record stands for into {@code out[offset .. offset + classes)}: the kept
   * values at their classes, every other class the uniform-rest logit.
   */
  public static void reconstruct(
      float[] values, int[] indices, float logSumExp, int classes, float[] out, int offset) {
    int k = values.length;
    if (k < classes) {
      double kept = 0;
      for (float v : values) {
        kept += Math.exp(v - (double) logSumExp);
      }
      double rest = Math.max(1 - kept, MIN_REST);
      float other = (float) (logSumExp + Math.log(rest / (classes - k)));
      Arrays.fill(out, offset, offset + classes, other);
    }
    for (int j = 0; j < k; j++) {
      int c = indices[j];
      if (c < 0 || c >= classes) {
        throw new IllegalStateException(
            "stored class index " + c + " outside [0, " + classes + ")");
      }
      out[offset + c] = values[j];
    }
  }
}
