package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
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
  private final Block student;
  private final Block teacher;
  private final Block teacherInputAdapter;
  private final boolean runTeacherOnEval;

  /**
   * @param student the trained network (initialised)
   * @param teacher the frozen network (initialised, weights loaded); frozen here
   * @param teacherInputAdapter applied to the teacher's input only; may be null
   * @param runTeacherOnEval run the teacher during validation too (its accuracy is reported)
   */
  public KDModule(
      Block student, Block teacher, Block teacherInputAdapter, boolean runTeacherOnEval) {
    super((byte) 1);
    this.student = addChildBlock("student", Objects.requireNonNull(student, "student"));
    this.teacher = addChildBlock("teacher", Objects.requireNonNull(teacher, "teacher"));
    this.teacherInputAdapter = teacherInputAdapter;
    this.runTeacherOnEval = runTeacherOnEval;
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

  public boolean isRunTeacherOnEval() {
    return runTeacherOnEval;
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
    NDList studentOutput = student.forward(parameterStore, inputs, training);
    NDList teacherOutput =
        training || runTeacherOnEval ? forwardTeacher(parameterStore, inputs) : null;
    return new KDOutput(studentOutput, teacherOutput);
  }

  /** The teacher's forward pass: inference mode, autograd disabled, adapter applied first. */
  public NDList forwardTeacher(ParameterStore parameterStore, NDList inputs) {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      NDList teacherInputs =
          teacherInputAdapter == null
              ? inputs
              : teacherInputAdapter.forward(parameterStore, inputs, false);
      return teacher.forward(parameterStore, teacherInputs, false);
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
