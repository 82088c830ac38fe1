package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * The pieces the logit-based KD losses share. Every operation stays in the logits' own data type:
 * DJL's {@code toType()} returns an array outside the autograd graph, so a cast on the student's
 * path would silently cut the distillation gradient.
 */
public final class LogitDistillation {
  /** Added to the standard deviation, as in the logit-standardization paper's code. */
  static final double STANDARDIZATION_EPS = 1e-7;

  private LogitDistillation() {}

  /**
   * Logit standardization (Sun et al. 2024): each row z-scored, {@code (z - mean(z)) / (std(z) +
   * 1e-7)} with the unbiased standard deviation over the classes.
   *
   * @param logits [N, C], C ≥ 2
   */
  public static NDArray standardize(NDArray logits) {
    long classes = logits.getShape().get(1);
    NDArray centred = logits.sub(logits.mean(new int[] {1}, true));
    NDArray std = Scalars.dividedBy(centred.square().sum(new int[] {1}, true), classes - 1).sqrt();
    return centred.div(std.add((float) STANDARDIZATION_EPS));
  }

  /** The logits to soften: standardised when asked, else as they are. */
  static NDArray prepare(NDArray logits, boolean standardize) {
    return standardize ? standardize(logits) : logits;
  }

  /**
   * {@code T²·KL(softmax(t/T) ‖ softmax(s/T))}, the KL divergence summed over classes and averaged
   * over the batch ({@code batchmean}), a scalar.
   */
  public static NDArray softTargetKL(NDArray student, NDArray teacher, double temperature) {
    NDArray studentLogProbs = Scalars.dividedBy(student, temperature).logSoftmax(1);
    NDArray teacherLogProbs = Scalars.dividedBy(teacher, temperature).logSoftmax(1);
    return Scalars.times(
        Scalars.dividedBy(
            klOfLogProbs(teacherLogProbs, studentLogProbs), student.getShape().get(0)),
        temperature * temperature);
  }

  /**
   * {@code Σ p·(log p − log q)} over all elements, from log-probabilities; terms where {@code p}
   * underflows to 0 contribute 0, as in {@code torch.nn.functional.kl_div}.
   */
  static NDArray klOfLogProbs(NDArray targetLogProbs, NDArray inputLogProbs) {
    return targetLogProbs.exp().mul(targetLogProbs.sub(inputLogProbs)).sum();
  }
}
