package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.loss.KDOutput;
import java.util.Objects;

/**
 * A student and a frozen teacher (SuperGradients' {@code KDModule}). The teacher never learns: its
 * parameters are frozen, it always runs in inference mode (BatchNorm uses and never updates its
 * running statistics) and its forward pass runs with autograd disabled, so no gradient graph is
 * recorded for it. The optional teacher input adapter is applied to the teacher's input only.
 *
 * <p>Subclasses may override {@link #forwardKD} to return more (e.g. intermediate features) and
 * pair it with a custom {@link dev.kdflow.trainer.loss.KDLoss}.
 */
public class KDModule extends AbstractBlock {
  /**
   * System property that turns {@linkplain #setFoldTeacherBatchNorm BatchNorm folding} off for
   * every module when set to {@code false}.
   */
  public static final String FOLD_PROPERTY = "kdflow.teacher.foldBatchNorm";

  private final Block student;
  private final Block teacher;
  private final Block teacherInputAdapter;
  private final boolean runTeacherOnValidation;
  private boolean foldTeacherBatchNorm =
      !"false".equalsIgnoreCase(System.getProperty(FOLD_PROPERTY));
  private boolean teacherTrainMode;
  private FoldedTeacher folded;
  private boolean foldTried;
  private NDManager foldedManager;
  private Hints hints;

  /**
   * @param student the trained network (initialised)
   * @param teacher the frozen network (initialised, weights loaded); frozen here
   * @param teacherInputAdapter applied to the teacher's input only; may be null
   * @param runTeacherOnValidation run the teacher during validation too (its accuracy is reported)
   */
  public KDModule(
      Block student, Block teacher, Block teacherInputAdapter, boolean runTeacherOnValidation) {
    super((byte) 1);
    this.student = addChildBlock("student", Objects.requireNonNull(student, "student"));
    this.teacher = addChildBlock("teacher", Objects.requireNonNull(teacher, "teacher"));
    this.teacherInputAdapter = teacherInputAdapter;
    this.runTeacherOnValidation = runTeacherOnValidation;
    teacher.freezeParameters(true);
  }

  /** Student and teacher without adapter; the teacher also runs on validation. */
  public KDModule(Block student, Block teacher) {
    this(student, teacher, null, true);
  }

  public Block getStudent() {
    return student;
  }

  public Block getTeacher() {
    return teacher;
  }

  public Block getTeacherInputAdapter() {
    return teacherInputAdapter;
  }

  /**
   * Adds FitNets hints: the student pass then returns its logits followed by the regressed
   * features, the teacher pass its logits followed by the hinted features (see {@link Hints}; the
   * hints apply the teacher input adapter themselves). Pair with a {@link
   * dev.kdflow.trainer.loss.FeatureHintLoss}.
   */
  public KDModule setHints(Hints hints) {
    this.hints = hints;
    return this;
  }

  /** The hints, or null. */
  public Hints getHints() {
    return hints;
  }

  public boolean isRunTeacherOnValidation() {
    return runTeacherOnValidation;
  }

  /**
   * Runs the teacher in training mode during training steps (SuperGradients' {@code
   * run_teacher_on_eval: false}): BatchNorm normalises with the batch's statistics and updates its
   * running statistics, dropout is active; the teacher's weights still get no gradient. Validation
   * runs it in inference mode. Default false: the teacher always runs in inference mode.
   */
  public KDModule setTeacherTrainMode(boolean trainMode) {
    this.teacherTrainMode = trainMode;
    return this;
  }

  public boolean isTeacherTrainMode() {
    return teacherTrainMode;
  }

  /**
   * Whether the teacher's forward pass folds each BatchNorm into the convolution before it (default
   * true unless the system property {@value #FOLD_PROPERTY} is {@code false}). The teacher is
   * frozen and always in inference mode, so its BatchNorms are fixed per-channel affine maps:
   * folding them saves a pass over each activation and gives the same logits up to float rounding.
   * The teacher block itself is left unchanged; the folded weights are taken from it at the first
   * teacher pass.
   */
  public KDModule setFoldTeacherBatchNorm(boolean fold) {
    if (fold != foldTeacherBatchNorm) {
      foldTeacherBatchNorm = fold;
      releaseFolded();
    }
    return this;
  }

  public boolean isFoldTeacherBatchNorm() {
    return foldTeacherBatchNorm;
  }

  /** BatchNorms folded into convolutions by the teacher's last pass; 0 when none or off. */
  public int foldedBatchNorms() {
    return folded == null ? 0 : folded.foldedCount();
  }

  /**
   * Drops the folded teacher weights, e.g. after the teacher's weights were replaced; the next
   * teacher pass folds them again.
   */
  public synchronized void releaseFolded() {
    folded = null;
    foldTried = false;
    if (foldedManager != null) {
      foldedManager.close();
      foldedManager = null;
    }
  }

  private synchronized FoldedTeacher folded(ParameterStore parameterStore) {
    if (!foldTried) {
      foldTried = true;
      NDArray first = firstArray(teacher);
      if (first != null) {
        foldedManager = first.getManager().newSubManager();
        folded = FoldedTeacher.of(teacher, parameterStore, foldedManager);
        if (folded == null) {
          foldedManager.close();
          foldedManager = null;
        }
      }
    }
    return folded;
  }

  private static NDArray firstArray(Block block) {
    for (Parameter p : Weights.parameters(block).values()) {
      if (p.isInitialized()) {
        return p.getArray();
      }
    }
    return null;
  }

  /**
   * Runs student and teacher on one batch.
   *
   * @param parameterStore the parameter store of the step
   * @param inputs the batch (student input)
   * @param training true for a training step (the student trains; the teacher never does)
   * @return student output first, then the teacher's (null when skipped on validation)
   */
  public KDOutput forwardKD(ParameterStore parameterStore, NDList inputs, boolean training) {
    NDList studentOutput = forwardStudent(parameterStore, inputs, training);
    NDList teacherOutput =
        training || runTeacherOnValidation
            ? forwardTeacher(parameterStore, inputs, training && teacherTrainMode)
            : null;
    return new KDOutput(studentOutput, teacherOutput);
  }

  /** The student's forward pass: its logits, then the regressed hint features when hinted. */
  public NDList forwardStudent(ParameterStore parameterStore, NDList inputs, boolean training) {
    return hints == null
        ? student.forward(parameterStore, inputs, training)
        : hints.forwardStudent(parameterStore, inputs, training);
  }

  /**
   * The teacher's forward pass: inference mode, autograd disabled, adapter applied first; its
   * logits, then the hinted features when hinted.
   */
  public NDList forwardTeacher(ParameterStore parameterStore, NDList inputs) {
    return forwardTeacher(parameterStore, inputs, false);
  }

  /**
   * The teacher's forward pass with autograd disabled, adapter applied first.
   *
   * @param trainMode run the teacher in training mode (batch statistics; see {@link
   *     #setTeacherTrainMode})
   */
  public NDList forwardTeacher(ParameterStore parameterStore, NDList inputs, boolean trainMode) {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      if (hints != null) {
        return hints.forwardTeacher(parameterStore, inputs);
      }
      NDList teacherInputs =
          teacherInputAdapter == null
              ? inputs
              : teacherInputAdapter.forward(parameterStore, inputs, false);
      // folded BatchNorms are the running statistics: only an inference-mode pass may use them
      FoldedTeacher f = foldTeacherBatchNorm && !trainMode ? folded(parameterStore) : null;
      if (f != null) {
        return f.forward(teacherInputs);
      }
      NDList out = teacher.forward(parameterStore, teacherInputs, trainMode);
      if (trainMode) {
        // the running statistics just changed: weights folded from them are stale
        releaseFolded();
      }
      return out;
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return forwardKD(parameterStore, inputs, training).toNDList();
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return student.getOutputShapes(inputShapes);
  }
}
