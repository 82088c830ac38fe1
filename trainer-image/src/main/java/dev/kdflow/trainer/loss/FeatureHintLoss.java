package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A KD loss plus FitNets hints (Romero et al. 2015): {@code base(student logits, teacher logits) +
 * Σ_i w_i·MSE(regressed student feature_i, teacher feature_i)}, the squared error averaged over
 * every element. The student output is {@code [logits, regressed features...]}, the teacher's
 * {@code [logits, features...]}; the hint terms are reported with the distillation part.
 */
public final class FeatureHintLoss implements KDLoss, EpochAwareLoss {
  private final KDLoss base;
  private final double[] weights;

  /**
   * @param base the logit loss
   * @param weights each hint's weight (≥ 0)
   */
  public FeatureHintLoss(KDLoss base, double[] weights) {
    this.base = base;
    this.weights = weights.clone();
    for (int i = 0; i < weights.length; i++) {
      KDLosses.nonNegative("kd.hints[" + i + "].weight", weights[i]);
    }
  }

  @Override
  public LossParts compute(KDOutput output, NDArray labels) {
    NDList student = output.studentOutput();
    NDList teacher = KDLosses.teacherOutputs(output, "FitNets hints");
    if (student.size() != weights.length + 1 || teacher.size() != weights.length + 1) {
      throw new IllegalStateException(
          "expected logits and "
              + weights.length
              + " hint feature(s) from student and teacher, got "
              + student.size()
              + " and "
              + teacher.size()
              + " arrays");
    }
    LossParts logits =
        base.compute(new KDOutput(new NDList(student.head()), new NDList(teacher.head())), labels);
    NDArray hints = null;
    for (int i = 0; i < weights.length; i++) {
      NDArray mse =
          Scalars.times(student.get(i + 1).sub(teacher.get(i + 1)).square().mean(), weights[i]);
      hints = hints == null ? mse : hints.add(mse);
    }
    if (hints == null) {
      return logits;
    }
    NDArray distill = logits.distill() == null ? hints : logits.distill().add(hints);
    return new LossParts(logits.total().add(hints), logits.task(), distill);
  }

  @Override
  public void setEpochsDone(int epochs) {
    if (base instanceof EpochAwareLoss e) {
      e.setEpochsDone(epochs);
    }
  }
}
