package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDList;

/**
 * What a {@link KDModule} returns: the student's output first, then the teacher's (SuperGradients'
 * {@code KDOutput}). Metrics read the student's logits, {@code studentOutput.head()}.
 *
 * @param studentOutput the student's output
 * @param teacherOutput the teacher's output, or null when the teacher did not run (validation with
 *     {@code runTeacherOnValidation = false})
 */
public record KDOutput(NDList studentOutput, NDList teacherOutput) {

  /** Student arrays followed by teacher arrays, as one list (DJL's {@code Block} contract). */
  public NDList toNDList() {
    NDList all = new NDList(studentOutput);
    if (teacherOutput != null) {
      all.addAll(teacherOutput);
    }
    return all;
  }
}
