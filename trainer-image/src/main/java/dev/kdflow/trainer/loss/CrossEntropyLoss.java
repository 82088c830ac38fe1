package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Softmax cross-entropy averaged over the batch, with optional label smoothing (targets {@code
 * (1-ε)·onehot + ε/C}, as {@code torch.nn.functional.cross_entropy(label_smoothing=ε)}).
 */
public final class CrossEntropyLoss implements SupervisedLoss {
  private final double labelSmoothing;

  /** Plain cross-entropy. */
  public CrossEntropyLoss() {
    this(0.0);
  }

  /**
   * @param labelSmoothing ε in [0, 1)
   */
  public CrossEntropyLoss(double labelSmoothing) {
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException("labelSmoothing must be in [0, 1), got " + labelSmoothing);
    }
    this.labelSmoothing = labelSmoothing;
  }

  /** The cross-entropy of {@code logits} [N, C] against {@code labels} [N], a scalar. */
  public NDArray of(NDArray logits, NDArray labels) {
    long numClasses = logits.getShape().get(1);
    NDArray logProbs = logits.logSoftmax(1);
    NDArray target = labels.oneHot((int) numClasses, logits.getDataType());
    if (labelSmoothing > 0) {
      target = Scalars.times(target, 1 - labelSmoothing).add((float) (labelSmoothing / numClasses));
    }
    return Scalars.dividedBy(logProbs.mul(target).sum(), -logits.getShape().get(0));
  }

  @Override
  public LossParts compute(NDList output, NDArray labels) {
    return LossParts.taskOnly(of(output.head(), labels));
  }
}
