package dev.kdflow.api.validation;

import java.util.List;

/**
 * The experiment cannot run as written: every error found, each with its field path. The only
 * exception type for bad input in kdflow (manifest, recipe, override, dataset, checkpoint, library
 * call); the CLI exits with 2 for it and the operator never retries it.
 */
public class InvalidExperimentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Transient: an exception carried across a serialization boundary keeps only its message. */
  private final transient List<ValidationProblem> problems;

  /**
   * @param problems at least one problem; warnings among them are kept but do not count
   */
  public InvalidExperimentException(List<ValidationProblem> problems) {
    this(problems, null);
  }

  /**
   * @param problems at least one problem
   * @param cause what the problem was found from, e.g. a failed file read
   */
  public InvalidExperimentException(List<ValidationProblem> problems, Throwable cause) {
    super(join(problems), cause);
    this.problems = List.copyOf(problems);
  }

  /** One error at {@code fieldPath}. */
  public InvalidExperimentException(String fieldPath, String message) {
    this(List.of(ValidationProblem.error(fieldPath, message)), null);
  }

  /** One error at {@code fieldPath}, found from {@code cause}. */
  public InvalidExperimentException(String fieldPath, String message, Throwable cause) {
    this(List.of(ValidationProblem.error(fieldPath, message)), cause);
  }

  /**
   * Throws when {@code problems} holds an error.
   *
   * @return the warnings (the problems that let the experiment run)
   */
  public static List<ValidationProblem> throwIfErrors(List<ValidationProblem> problems) {
    List<ValidationProblem> errors = problems.stream().filter(ValidationProblem::isError).toList();
    if (!errors.isEmpty()) {
      throw new InvalidExperimentException(errors);
    }
    return problems.stream().filter(p -> !p.isError()).toList();
  }

  /** Every problem, in the order found. */
  public List<ValidationProblem> problems() {
    return problems;
  }

  /** The first problem's field path. */
  public String getFieldPath() {
    return problems.get(0).fieldPath();
  }

  private static String join(List<ValidationProblem> problems) {
    if (problems == null || problems.isEmpty()) {
      throw new IllegalArgumentException(
          "an InvalidExperimentException needs at least one problem");
    }
    return String.join("; ", problems.stream().map(ValidationProblem::toString).toList());
  }
}
