package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * DIST, knowledge distillation from a stronger teacher (Huang et al., NeurIPS 2022): matches
 * relations instead of exact probabilities. With {@code Y = softmax(z/T)} for student and teacher,
 *
 * <ul>
 *   <li>inter-class relation: {@code 1 − mean over samples of pearson(Y_s[i,:], Y_t[i,:])},
 *   <li>intra-class relation: {@code 1 − mean over classes of pearson(Y_s[:,j], Y_t[:,j])},
 * </ul>
 *
 * the Pearson correlation computed as the cosine of the centred vectors with 1e-8 added to the
 * product of norms (the authors' code). The loss is {@code w_task·task(s, y) +
 * w_distill·(β·T²·inter + γ·T²·intra)}. Parts: the task loss, {@code β·T²·inter + γ·T²·intra} and
 * the total.
 */
public final class DISTLoss implements KDLoss {
  static final double EPS = 1e-8;

  private final SupervisedLoss taskLoss;
  private final double taskLossWeight;
  private final double distillationLossWeight;
  private final double beta;
  private final double gamma;
  private final double temperature;

  /**
   * @param taskLoss loss between the student's output and the labels
   * @param taskLossWeight weight of the task loss, ≥ 0
   * @param distillationLossWeight weight of the DIST term, ≥ 0
   * @param beta weight of the inter-class relation, ≥ 0
   * @param gamma weight of the intra-class relation, ≥ 0
   * @param temperature T > 0
   */
  public DISTLoss(
      SupervisedLoss taskLoss,
      double taskLossWeight,
      double distillationLossWeight,
      double beta,
      double gamma,
      double temperature) {
    this.taskLoss = taskLoss;
    this.taskLossWeight = KDLosses.nonNegative("taskLossWeight", taskLossWeight);
    this.distillationLossWeight =
        KDLosses.nonNegative("distillationLossWeight", distillationLossWeight);
    this.beta = KDLosses.nonNegative("dist.beta", beta);
    this.gamma = KDLosses.nonNegative("dist.gamma", gamma);
    this.temperature = KDLosses.positive("temperature", temperature);
  }

  /**
   * The two relation losses, each already scaled by T².
   *
   * @return {@code [inter, intra]}, scalars
   */
  public NDArray[] terms(NDArray studentLogits, NDArray teacherLogits) {
    NDArray ys = Scalars.dividedBy(studentLogits, temperature).softmax(1);
    NDArray yt = Scalars.dividedBy(teacherLogits, temperature).softmax(1);
    float t2 = (float) (temperature * temperature);
    NDArray inter = Scalars.times(oneMinusMeanPearson(ys, yt, 1), t2);
    NDArray intra = Scalars.times(oneMinusMeanPearson(ys, yt, 0), t2);
    return new NDArray[] {inter, intra};
  }

  /** {@code 1 − mean pearson(a, b)}, the correlations taken along {@code axis}. */
  private static NDArray oneMinusMeanPearson(NDArray a, NDArray b, int axis) {
    int[] along = {axis};
    NDArray ac = a.sub(a.mean(along, true));
    NDArray bc = b.sub(b.mean(along, true));
    NDArray cosine =
        ac.mul(bc)
            .sum(along)
            .div(ac.norm(along, false).mul(bc.norm(along, false)).add((float) EPS));
    return cosine.mean().neg().add(1f);
  }

  @Override
  public LossParts compute(KDOutput output, NDArray labels) {
    NDArray student = output.studentOutput().head();
    NDArray task = taskLoss.compute(new NDList(student), labels).total();
    NDArray[] terms = terms(student, KDLosses.teacherLogits(output, "DIST"));
    NDArray distill = Scalars.times(terms[0], beta).add(Scalars.times(terms[1], gamma));
    NDArray total =
        Scalars.times(task, taskLossWeight).add(Scalars.times(distill, distillationLossWeight));
    return new LossParts(total, task, distill);
  }
}
