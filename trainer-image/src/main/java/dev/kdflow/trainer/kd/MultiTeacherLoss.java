package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.kdflow.trainer.loss.EpochAwareLoss;
import dev.kdflow.trainer.loss.KDLoss;
import dev.kdflow.trainer.loss.KDOutput;
import dev.kdflow.trainer.loss.LossParts;
import dev.kdflow.trainer.loss.Scalars;

/**
 * The {@link dev.kdflow.api.KDSpec.TeachersMode#SUM_LOSSES sumLosses} combination of several
 * teachers: one loss per teacher (the same loss each time, against that teacher's logits), summed
 * with the normalised weights. The weights sum to 1, so a loss's task term counts once in total.
 * Every part (total, task, distillation) is the same weighted sum.
 */
public final class MultiTeacherLoss implements KDLoss, EpochAwareLoss {
  private final KDLoss perTeacher;
  private final double[] weights;

  /**
   * @param perTeacher the loss computed against each teacher
   * @param weights one per teacher, > 0; normalised to sum 1
   */
  public MultiTeacherLoss(KDLoss perTeacher, double[] weights) {
    this.perTeacher = perTeacher;
    this.weights = TeacherEnsemble.normalised(weights);
  }

  @Override
  public LossParts compute(KDOutput output, NDArray labels) {
    NDList teachers = output.teacherOutput();
    if (teachers == null || teachers.size() != weights.length) {
      throw new IllegalStateException(
          "expected the logits of "
              + weights.length
              + " teachers, got "
              + (teachers == null ? "none" : teachers.size()));
    }
    NDArray total = null;
    NDArray task = null;
    NDArray distill = null;
    for (int i = 0; i < weights.length; i++) {
      LossParts p =
          perTeacher.compute(
              new KDOutput(output.studentOutput(), new NDList(teachers.get(i))), labels);
      float w = (float) weights[i];
      total = add(total, Scalars.times(p.total(), w));
      task = add(task, Scalars.times(p.task(), w));
      distill = p.distill() == null ? distill : add(distill, Scalars.times(p.distill(), w));
    }
    return new LossParts(total, task, distill);
  }

  private static NDArray add(NDArray sum, NDArray term) {
    return sum == null ? term : sum.add(term);
  }

  @Override
  public void setEpochsDone(int epochs) {
    if (perTeacher instanceof EpochAwareLoss e) {
      e.setEpochsDone(epochs);
    }
  }
}
