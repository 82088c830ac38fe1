package dev.kdflow.trainer;

/**
 * The experiment cannot run as written (unknown architecture, bad arch params, missing dataset or
 * checkpoint, ...); found before any training. The CLI exits with 2 and never retries.
 */
public class InvalidExperimentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String fieldPath;

  /**
   * @param fieldPath the offending field, e.g. {@code spec.student.architecture}
   * @param message what is wrong and how to fix it
   */
  public InvalidExperimentException(String fieldPath, String message) {
    super(fieldPath + ": " + message);
    this.fieldPath = fieldPath;
  }

  public InvalidExperimentException(String fieldPath, String message, Throwable cause) {
    super(fieldPath + ": " + message, cause);
    this.fieldPath = fieldPath;
  }

  /** The offending field's path. */
  public String getFieldPath() {
    return fieldPath;
  }
}
