package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.kdflow.api.Architectures;
import dev.kdflow.api.HintSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.trainer.models.FeatureTaps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * FitNets hints of a {@link KDModule}: where the student's and the teacher's features are read, the
 * learned regressors that map the student's onto the teacher's, and the hints' weights. The student
 * pass returns {@code [logits, regressed student feature 1..k]}, the teacher pass {@code [logits,
 * teacher feature 1..k]}; {@link dev.kdflow.trainer.loss.FeatureHintLoss} pairs them up.
 *
 * <p>A registry network exposes {@link Architectures#featurePoints its feature points}; a
 * TorchScript teacher exposes what its forward returns: a tuple's elements by position ({@code 1},
 * {@code 2}, ...; element 0 is the logits) or a dict's entries by key (the logits under {@code
 * logits}).
 */
public final class Hints {
  private final FeatureTaps studentTaps;
  private final TeacherTaps teacherTaps;
  private final Regressors regressors;
  private final double[] weights;

  private Hints(
      FeatureTaps studentTaps, TeacherTaps teacherTaps, Regressors regressors, double[] weights) {
    this.studentTaps = studentTaps;
    this.teacherTaps = teacherTaps;
    this.regressors = regressors;
    this.weights = weights;
  }

  /** Reads a teacher's logits and features in one pass. */
  @FunctionalInterface
  interface TeacherTaps {
    NDList forward(ParameterStore ps, NDList inputs);
  }

  /**
   * Builds the hints and their regressors (PyTorch-initialised from the engine's generator: seed it
   * first) for an initialised student and teacher.
   *
   * @param studentArchitecture the student's registry name
   * @param teacherArchitecture the teacher's registry name, or null for a TorchScript teacher
   * @param teacherInputAdapter applied to the teacher's input; may be null
   * @param inputShape one batch's shape, NCHW
   * @throws InvalidExperimentException naming {@code spec.kd.hints[i]} when a point is unknown or
   *     the two features cannot be regressed onto each other
   */
  public static Hints build(
      List<HintSpec> hints,
      String studentArchitecture,
      Map<String, Object> studentArchParams,
      Block student,
      String teacherArchitecture,
      Map<String, Object> teacherArchParams,
      Block teacher,
      Block teacherInputAdapter,
      NDManager manager,
      Shape inputShape) {
    List<String> studentPoints = new ArrayList<>();
    List<String> teacherPoints = new ArrayList<>();
    double[] weights = new double[hints.size()];
    for (int i = 0; i < hints.size(); i++) {
      studentPoints.add(hints.get(i).getStudent());
      teacherPoints.add(hints.get(i).getTeacher());
      weights[i] = hints.get(i).weightOrDefault();
    }
    FeatureTaps studentTaps;
    try {
      studentTaps = FeatureTaps.of(studentArchitecture, studentArchParams, student, studentPoints);
    } catch (IllegalArgumentException e) {
      throw new InvalidExperimentException("spec.kd.hints", "student: " + e.getMessage(), e);
    }
    TeacherTaps teacherTaps;
    if (teacherArchitecture != null) {
      FeatureTaps taps;
      try {
        taps = FeatureTaps.of(teacherArchitecture, teacherArchParams, teacher, teacherPoints);
      } catch (IllegalArgumentException e) {
        throw new InvalidExperimentException("spec.kd.hints", "teacher: " + e.getMessage(), e);
      }
      teacherTaps = (ps, x) -> taps.forward(ps, x, false);
    } else {
      teacherTaps = torchScriptTaps(teacher, teacherPoints);
    }
    TeacherTaps adapted =
        teacherInputAdapter == null
            ? teacherTaps
            : (ps, x) -> teacherTaps.forward(ps, teacherInputAdapter.forward(ps, x, false));
    Regressors regressors = new Regressors();
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      NDList x = new NDList(m.zeros(new Shape(2).addAll(inputShape.slice(1))));
      NDList s = studentTaps.forward(ps, x, false);
      NDList t;
      try {
        t = adapted.forward(ps, x);
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        throw new InvalidExperimentException("spec.kd.hints", e.getMessage(), e);
      }
      for (int i = 0; i < hints.size(); i++) {
        try {
          regressors.add(
              FeatureTaps.regressor(s.get(i + 1).getShape(), t.get(i + 1).getShape(), manager));
        } catch (IllegalArgumentException e) {
          throw new InvalidExperimentException(
              "spec.kd.hints[" + i + "]",
              studentPoints.get(i) + " → " + teacherPoints.get(i) + ": " + e.getMessage(),
              e);
        }
      }
    }
    return new Hints(studentTaps, adapted, regressors, weights);
  }

  /** Picks a TorchScript teacher's logits and named outputs from what its forward returns. */
  private static TeacherTaps torchScriptTaps(Block teacher, List<String> points) {
    return (ps, x) -> {
      NDList all = teacher.forward(ps, x, false);
      NDList out = new NDList(byName(all, Architectures.LOGITS_POINT, 0));
      for (String point : points) {
        out.add(byName(all, point, -1));
      }
      return out;
    };
  }

  private static NDArray byName(NDList all, String point, int fallback) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      String name = all.get(i).getName();
      if (point.equals(name)) {
        return all.get(i);
      }
      names.add(name == null || name.isEmpty() ? String.valueOf(i) : name);
    }
    if (point.matches("\\d+") && Integer.parseInt(point) < all.size()) {
      return all.get(Integer.parseInt(point));
    }
    if (fallback >= 0) {
      return all.get(fallback);
    }
    throw new IllegalArgumentException(
        "the TorchScript teacher returns no output '"
            + point
            + "'; it returns "
            + String.join(", ", names)
            + " (tuple positions or dict keys)");
  }

  /** The student's logits, then each hint's regressed student feature. */
  public NDList forwardStudent(ParameterStore ps, NDList inputs, boolean training) {
    NDList tapped = studentTaps.forward(ps, inputs, training);
    NDList out = new NDList(tapped.head());
    for (int i = 0; i < weights.length; i++) {
      out.add(regressors.get(i).forward(ps, new NDList(tapped.get(i + 1)), training).head());
    }
    return out;
  }

  /** The teacher's logits, then each hint's teacher feature (the caller disables autograd). */
  public NDList forwardTeacher(ParameterStore ps, NDList inputs) {
    return teacherTaps.forward(ps, inputs);
  }

  /** The regressors, one child per hint: trained with the student, saved in ckpt_latest. */
  public Block regressors() {
    return regressors;
  }

  /** Each hint's weight. */
  public double[] weights() {
    return weights.clone();
  }

  /** The regressors as one block (its parameters are named per hint). */
  static final class Regressors extends AbstractBlock {
    private final List<Block> each = new ArrayList<>();

    Regressors() {
      super((byte) 1);
    }

    void add(Block regressor) {
      each.add(addChildBlock("hint" + each.size(), regressor));
    }

    Block get(int i) {
      return each.get(i);
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      throw new UnsupportedOperationException("each regressor runs on its own feature");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      throw new UnsupportedOperationException("each regressor runs on its own feature");
    }
  }
}
