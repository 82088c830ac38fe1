package dev.kdflow.api.validation;

/**
 * One thing wrong with (or worth a warning about) a KDExperiment. Every layer reports problems as
 * this type: the pure rule set ({@link KDExperimentValidator}), the trainer's file checks, the CLI
 * and the operator, so the same input gets the same verdict and the same words everywhere.
 *
 * @param source the file the experiment came from, or null (on the cluster, in the library API)
 * @param fieldPath where, e.g. {@code spec.training.maxEpochs}; empty for the document as a whole
 * @param message what is wrong and, where useful, how to fix it
 * @param severity whether the experiment is refused ({@link Severity#ERROR}) or runs anyway
 */
public record ValidationProblem(
    String source, String fieldPath, String message, Severity severity) {

  /** Whether a problem stops the experiment. */
  public enum Severity {
    /** The experiment cannot run as written; nothing is created or trained. */
    ERROR,
    /** The experiment runs, but probably not as intended; said once, before anything starts. */
    WARNING
  }

  /** An error at {@code fieldPath}, not tied to a file. */
  public ValidationProblem(String fieldPath, String message) {
    this(null, fieldPath, message, Severity.ERROR);
  }

  /** An error at {@code fieldPath}. */
  public static ValidationProblem error(String fieldPath, String message) {
    return new ValidationProblem(null, fieldPath, message, Severity.ERROR);
  }

  /** A warning at {@code fieldPath}: the experiment still runs. */
  public static ValidationProblem warning(String fieldPath, String message) {
    return new ValidationProblem(null, fieldPath, message, Severity.WARNING);
  }

  /** True when the problem stops the experiment. */
  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** The same problem, found in {@code file}. */
  public ValidationProblem in(String file) {
    return new ValidationProblem(file, fieldPath, message, severity);
  }

  /** {@code [source: ]fieldPath: message}, the form every layer prints. */
  @Override
  public String toString() {
    String where = fieldPath == null || fieldPath.isEmpty() ? "" : fieldPath + ": ";
    return (source == null ? "" : source + ": ") + where + message;
  }
}
