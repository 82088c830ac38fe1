package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Decoupled knowledge distillation (Zhao et al., CVPR 2022): the KD term split into
 *
 * <ul>
 *   <li>TCKD, the KL divergence between the binary distributions (target class, all other classes)
 *       of teacher and student, and
 *   <li>NCKD, the KL divergence between their distributions over the non-target classes only,
 * </ul>
 *
 * both at temperature T, summed over the batch, divided by N and scaled by T². The loss is {@code
 * w_task·task(s, y) + min(e / warmup, 1)·(α·TCKD + β·NCKD)} in epoch {@code e} (1-based), the
 * warm-up ramp of the authors' mdistiller code. As an {@link EpochAwareLoss} it follows the run's
 * epoch, a resumed run included, when the trainer tells it ({@code KDTrainer.setKDLoss} arranges
 * that). Parts: the task loss, {@code α·TCKD + β·NCKD} (without the ramp) and the total.
 */
public final class DKDLoss implements KDLoss, EpochAwareLoss {
  private final SupervisedLoss taskLoss;
  private final double taskLossWeight;
  private final double alpha;
  private final double beta;
  private final double temperature;
  private final int warmupEpochs;
  private final boolean logitStandardization;
  private volatile int epochsDone;

  /**
   * @param taskLoss loss between the student's output and the labels
   * @param taskLossWeight weight of the task loss, ≥ 0
   * @param alpha weight of TCKD, ≥ 0
   * @param beta weight of NCKD, ≥ 0
   * @param temperature T > 0; the base temperature with logit standardization
   * @param warmupEpochs epochs of the linear ramp, ≥ 0 (0: none)
   * @param logitStandardization whether to z-score both logits per sample before softening
   */
  public DKDLoss(
      SupervisedLoss taskLoss,
      double taskLossWeight,
      double alpha,
      double beta,
      double temperature,
      int warmupEpochs,
      boolean logitStandardization) {
    this.taskLoss = taskLoss;
    this.taskLossWeight = KDLosses.nonNegative("taskLossWeight", taskLossWeight);
    this.alpha = KDLosses.nonNegative("dkd.alpha", alpha);
    this.beta = KDLosses.nonNegative("dkd.beta", beta);
    this.temperature = KDLosses.positive("temperature", temperature);
    if (warmupEpochs < 0) {
      throw new IllegalArgumentException("dkd.warmupEpochs must be >= 0, got " + warmupEpochs);
    }
    this.warmupEpochs = warmupEpochs;
    this.logitStandardization = logitStandardization;
  }

  /** The ramp factor of the current epoch, {@code min(e / warmup, 1)}. */
  public double warmupFactor() {
    return warmupEpochs == 0 ? 1.0 : Math.min((epochsDone + 1) / (double) warmupEpochs, 1.0);
  }

  @Override
  public void setEpochsDone(int epochs) {
    this.epochsDone = epochs;
  }

  /**
   * TCKD and NCKD, each {@code T²·KL(...)} summed over the batch and divided by N.
   *
   * @return {@code [tckd, nckd]}, scalars
   */
  public NDArray[] terms(NDArray studentLogits, NDArray teacherLogits, NDArray labels) {
    NDArray s =
        Scalars.dividedBy(
            LogitDistillation.prepare(studentLogits, logitStandardization), temperature);
    NDArray t =
        Scalars.dividedBy(
            LogitDistillation.prepare(teacherLogits, logitStandardization), temperature);
    long batch = s.getShape().get(0);
    NDArray target = labels.oneHot((int) s.getShape().get(1), s.getDataType());
    // The mask pushes the target class out of the non-target softmax (its probability e^-1000 is
    // 0), the same device as the authors' code; in log space every term stays finite.
    NDArray mask = Scalars.times(target, 1000);
    NDArray sLogProbs = s.logSoftmax(1);
    NDArray tLogProbs = t.logSoftmax(1);
    NDArray sNonTarget = s.sub(mask).logSoftmax(1);
    NDArray tNonTarget = t.sub(mask).logSoftmax(1);
    NDArray tckd =
        LogitDistillation.klOfLogProbs(binary(tLogProbs, t, mask), binary(sLogProbs, s, mask));
    NDArray nckd = LogitDistillation.klOfLogProbs(tNonTarget, sNonTarget);
    float scale = (float) (temperature * temperature / batch);
    return new NDArray[] {Scalars.times(tckd, scale), Scalars.times(nckd, scale)};
  }

  /**
   * The log-probabilities [N, 2] of (target class, any other class): the first from the full
   * log-softmax, the second as the log-sum-exp over the non-target classes minus that of all.
   */
  private static NDArray binary(NDArray logProbs, NDArray scaledLogits, NDArray mask) {
    NDArray target = logProbs.mul(Scalars.dividedBy(mask, 1000)).sum(new int[] {1}, true);
    NDArray other = logSumExp(scaledLogits.sub(mask)).sub(logSumExp(scaledLogits));
    return target.concat(other, 1);
  }

  /** {@code log Σ_j exp(x[i, j])} [N, 1], shifted by the row maximum for stability. */
  private static NDArray logSumExp(NDArray x) {
    // the shift cancels in value and gradient, so it needs no gradient of its own
    NDArray max = x.max(new int[] {1}, true).stopGradient();
    return x.sub(max).exp().sum(new int[] {1}, true).log().add(max);
  }

  @Override
  public LossParts compute(KDOutput output, NDArray labels) {
    NDArray student = output.studentOutput().head();
    NDArray task = taskLoss.compute(new NDList(student), labels).total();
    NDArray[] terms = terms(student, KDLosses.teacherLogits(output, "DKD"), labels);
    NDArray distill = Scalars.times(terms[0], alpha).add(Scalars.times(terms[1], beta));
    NDArray total = Scalars.times(task, taskLossWeight).add(Scalars.times(distill, warmupFactor()));
    return new LossParts(total, task, distill);
  }
}
