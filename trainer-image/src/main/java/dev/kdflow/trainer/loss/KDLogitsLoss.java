package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.kdflow.api.LossSpec;

/**
 * SuperGradients' {@code KDLogitsLoss} with a temperature: {@code (1-α)·task(s, y) +
 * α·T²·KL(softmax(t/T) ‖ softmax(s/T))}, the KL divergence summed over classes and averaged over
 * the batch ({@code batchmean}). At T = 1 this is SuperGradients' exact behaviour. The parts
 * reported are the task loss, the distillation term {@code T²·KL} and the total.
 */
public final class KDLogitsLoss implements KDLoss {
  private final SupervisedLoss taskLoss;
  private final double distillationLossCoeff;
  private final double temperature;

  /**
   * @param taskLoss loss between the student's output and the labels
   * @param distillationLossCoeff α in [0, 1]
   * @param temperature T > 0
   */
  public KDLogitsLoss(SupervisedLoss taskLoss, double distillationLossCoeff, double temperature) {
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
  }

  /** SuperGradients' defaults: α = 0.5, T = 1. */
  public KDLogitsLoss(SupervisedLoss taskLoss) {
    this(taskLoss, LossSpec.DEFAULT_DISTILLATION_LOSS_COEFF, LossSpec.DEFAULT_TEMPERATURE);
  }

  /** Builds the loss a {@link LossSpec} describes. */
  public static KDLogitsLoss from(LossSpec spec) {
    double smoothing = spec.getLabelSmoothing() == null ? 0.0 : spec.getLabelSmoothing();
    return new KDLogitsLoss(
        new CrossEntropyLoss(smoothing),
        spec.getDistillationLossCoeff() == null
            ? LossSpec.DEFAULT_DISTILLATION_LOSS_COEFF
            : spec.getDistillationLossCoeff(),
        spec.getTemperature() == null ? LossSpec.DEFAULT_TEMPERATURE : spec.getTemperature());
  }

  /** {@code T²·KL(softmax(t/T) ‖ softmax(s/T))} with batchmean reduction, a scalar. */
  public NDArray distillation(NDArray studentLogits, NDArray teacherLogits) {
    // In the logits' own type: DJL's toType() returns an array outside the autograd graph, so a
    // float64 detour would leave the student without any gradient from this term.
    NDArray studentLogProbs = studentLogits.div(temperature).logSoftmax(1);
    NDArray teacherLogProbs = teacherLogits.div(temperature).logSoftmax(1);
    NDArray kl =
        teacherLogProbs
            .exp()
            .mul(teacherLogProbs.sub(studentLogProbs))
            .sum()
            .div((float) studentLogits.getShape().get(0));
    return kl.mul((float) (temperature * temperature));
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
        task.mul((float) (1 - distillationLossCoeff))
            .add(distill.mul((float) distillationLossCoeff));
    return new LossParts(total, task, distill);
  }
}
