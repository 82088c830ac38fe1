package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Hinton et al.'s knowledge distillation with independent weights, as mdistiller's {@code KD}:
 * {@code w_task·task(s, y) + w_distill·T²·KL(softmax(t/T) ‖ softmax(s/T))}, KL averaged over the
 * batch. The T² factor keeps the soft-target gradients' scale independent of T. Unlike {@link
 * KDLogitsLoss} the weights need not sum to 1 (logit standardization's recipes use 0.1 and 9).
 * Parts: the task loss, the distillation term {@code T²·KL} and the weighted total.
 */
public final class HintonKDLoss implements KDLoss {
  private final SupervisedLoss taskLoss;
  private final double taskLossWeight;
  private final double distillationLossWeight;
  private final double temperature;
  private final boolean logitStandardization;

  /**
   * @param taskLoss loss between the student's output and the labels
   * @param taskLossWeight weight of the task loss, ≥ 0
   * @param distillationLossWeight weight of the distillation term, ≥ 0
   * @param temperature T > 0; the base temperature with logit standardization
   * @param logitStandardization whether to z-score both logits per sample before softening
   */
  public HintonKDLoss(
      SupervisedLoss taskLoss,
      double taskLossWeight,
      double distillationLossWeight,
      double temperature,
      boolean logitStandardization) {
    this.taskLoss = taskLoss;
    this.taskLossWeight = KDLosses.nonNegative("taskLossWeight", taskLossWeight);
    this.distillationLossWeight =
        KDLosses.nonNegative("distillationLossWeight", distillationLossWeight);
    this.temperature = KDLosses.positive("temperature", temperature);
    this.logitStandardization = logitStandardization;
  }

  /** {@code T²·KL(softmax(t/T) ‖ softmax(s/T))}, batchmean, a scalar. */
  public NDArray distillation(NDArray studentLogits, NDArray teacherLogits) {
    return LogitDistillation.softTargetKL(
        LogitDistillation.prepare(studentLogits, logitStandardization),
        LogitDistillation.prepare(teacherLogits, logitStandardization),
        temperature);
  }

  @Override
  public LossParts compute(KDOutput output, NDArray labels) {
    NDArray student = output.studentOutput().head();
    NDArray task = taskLoss.compute(new NDList(student), labels).total();
    NDArray distill = distillation(student, KDLosses.teacherLogits(output, "HintonKD"));
    NDArray total =
        Scalars.times(task, taskLossWeight).add(Scalars.times(distill, distillationLossWeight));
    return new LossParts(total, task, distill);
  }
}
