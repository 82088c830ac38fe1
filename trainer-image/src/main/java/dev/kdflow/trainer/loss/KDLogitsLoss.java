package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.kdflow.api.LossSpec;

/**
 * SuperGradients' {@code KDLogitsLoss} with a temperature: {@code (1-α)·task(s, y) +
 * α·T²·KL(softmax(t/T) ‖ softmax(s/T))}, the KL divergence summed over classes and averaged over
 * the batch ({@code batchmean}). At T = 1 this is SuperGradients' exact behaviour. With logit
 * standardization both logits are z-scored per sample before softening (the task loss keeps the raw
 * logits). The parts reported are the task loss, the distillation term {@code T²·KL} and the total.
 */
public final class KDLogitsLoss implements KDLoss {
  private final SupervisedLoss taskLoss;
  private final double distillationLossCoeff;
  private final double temperature;
  private final boolean logitStandardization;

  /**
   * @param taskLoss loss between the student's output and the labels
   * @param distillationLossCoeff α in [0, 1]
   * @param temperature T > 0
   */
  public KDLogitsLoss(SupervisedLoss taskLoss, double distillationLossCoeff, double temperature) {
    this(taskLoss, distillationLossCoeff, temperature, false);
  }

  /**
   * @param taskLoss loss between the student's output and the labels
   * @param distillationLossCoeff α in [0, 1]
   * @param temperature T > 0; the base temperature with logit standardization
   * @param logitStandardization whether to z-score both logits per sample before softening
   */
  public KDLogitsLoss(
      SupervisedLoss taskLoss,
      double distillationLossCoeff,
      double temperature,
      boolean logitStandardization) {
    if (!(distillationLossCoeff >= 0 && distillationLossCoeff <= 1)) {
      throw new IllegalArgumentException(
          "distillationLossCoeff must be in [0, 1], got " + distillationLossCoeff);
    }
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
    }
    this.taskLoss = taskLoss;
    this.distillationLossCoeff = distillationLossCoeff;
    this.temperature = temperature;
    this.logitStandardization = logitStandardization;
  }

  /** SuperGradients' defaults: α = 0.5, T = 1. */
  public KDLogitsLoss(SupervisedLoss taskLoss) {
    this(taskLoss, LossSpec.DEFAULT_DISTILLATION_LOSS_COEFF, LossSpec.DEFAULT_TEMPERATURE);
  }

  /** Builds the loss a {@link LossSpec} describes. */
  public static KDLogitsLoss from(LossSpec spec) {
    return new KDLogitsLoss(
        new CrossEntropyLoss(spec.labelSmoothingOrDefault()),
        spec.distillationLossCoeffOrDefault(),
        spec.temperatureOrDefault(),
        spec.logitStandardizationOrDefault());
  }

  /**
   * {@code T²·KL(softmax(t/T) ‖ softmax(s/T))} with batchmean reduction (on standardised logits
   * when configured), a scalar.
   */
  public NDArray distillation(NDArray studentLogits, NDArray teacherLogits) {
    return LogitDistillation.softTargetKL(
        LogitDistillation.prepare(studentLogits, logitStandardization),
        LogitDistillation.prepare(teacherLogits, logitStandardization),
        temperature);
  }

  @Override
  public LossParts compute(KDOutput output, NDArray labels) {
    if (output.teacherOutput() == null) {
      throw new IllegalStateException("KDLogitsLoss needs the teacher's output");
    }
    NDArray student = output.studentOutput().head();
    NDArray task = taskLoss.compute(new NDList(student), labels).total();
    NDArray distill = distillation(student, output.teacherOutput().head());
    NDArray total =
        Scalars.times(task, 1 - distillationLossCoeff)
            .add(Scalars.times(distill, distillationLossCoeff));
    return new LossParts(total, task, distill);
  }
}
