package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.kdflow.api.KDSpec;
import dev.kdflow.trainer.loss.Scalars;
import java.util.ArrayList;
import java.util.List;

/**
 * Several frozen teachers seen as one: each runs on the batch through its own input adapter, and
 * their logits are either averaged with the normalised weights ({@link
 * KDSpec.TeachersMode#AVERAGE_LOGITS}: one [N, C] output, so every KD loss and the teacher-output
 * cache work unchanged) or returned one per teacher ({@link KDSpec.TeachersMode#SUM_LOSSES}: n
 * outputs, paired with a {@link MultiTeacherLoss}). Either way the output depends on every teacher,
 * so anything computed from it (the cache) covers all of them.
 */
public final class TeacherEnsemble extends AbstractBlock {
  private final List<Block> teachers = new ArrayList<>();
  private final List<Block> adapters;
  private final double[] weights;
  private final KDSpec.TeachersMode mode;

  /**
   * @param teachers initialised teachers with their weights; frozen here
   * @param adapters one per teacher, each null or applied to that teacher's input only
   * @param weights one per teacher, > 0; normalised to sum 1
   * @param mode how the teachers' logits are combined
   */
  public TeacherEnsemble(
      List<Block> teachers, List<Block> adapters, double[] weights, KDSpec.TeachersMode mode) {
    super((byte) 1);
    if (teachers.isEmpty()
        || teachers.size() != adapters.size()
        || teachers.size() != weights.length) {
      throw new IllegalArgumentException(
          "one adapter (or null) and one weight per teacher, got "
              + teachers.size()
              + " teachers, "
              + adapters.size()
              + " adapters, "
              + weights.length
              + " weights");
    }
    this.weights = normalised(weights);
    this.adapters = new ArrayList<>(adapters);
    this.mode = mode;
    for (int i = 0; i < teachers.size(); i++) {
      Block t = teachers.get(i);
      t.freezeParameters(true);
      this.teachers.add(addChildBlock("teacher" + i, t));
    }
  }

  /** Weights scaled to sum 1. */
  static double[] normalised(double[] weights) {
    double sum = 0;
    for (double w : weights) {
      if (!(w > 0 && Double.isFinite(w))) {
        throw new IllegalArgumentException("teacher weights must be > 0, got " + w);
      }
      sum += w;
    }
    double[] out = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      out[i] = weights[i] / sum;
    }
    return out;
  }

  /** The normalised weights, one per teacher. */
  public double[] weights() {
    return weights.clone();
  }

  public KDSpec.TeachersMode mode() {
    return mode;
  }

  /** The teachers, in spec order. */
  public List<Block> teachers() {
    return List.copyOf(teachers);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList each = new NDList(teachers.size());
    for (int i = 0; i < teachers.size(); i++) {
      Block adapter = adapters.get(i);
      NDList x = adapter == null ? inputs : adapter.forward(ps, inputs, false);
      // a teacher never trains: inference mode whatever the caller's mode
      each.add(teachers.get(i).forward(ps, x, false).head());
    }
    if (mode == KDSpec.TeachersMode.SUM_LOSSES) {
      return each;
    }
    NDArray mean = Scalars.times(each.get(0), weights[0]);
    for (int i = 1; i < each.size(); i++) {
      mean = mean.add(Scalars.times(each.get(i), weights[i]));
    }
    return new NDList(mean);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape one = teachers.get(0).getOutputShapes(inputShapes)[0];
    int n = mode == KDSpec.TeachersMode.SUM_LOSSES ? teachers.size() : 1;
    Shape[] out = new Shape[n];
    java.util.Arrays.fill(out, one);
    return out;
  }
}
