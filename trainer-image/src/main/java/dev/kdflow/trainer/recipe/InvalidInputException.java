package dev.kdflow.trainer.recipe;

import java.util.List;

/**
 * Input that kdflow cannot run: a malformed manifest or recipe, an unknown key, a bad value or a
 * missing file. Every problem names the field path (or key path, for recipes) and, where it helps,
 * the fix. Detected before any training starts; the CLI exits with {@code 2} for it.
 */
public class InvalidInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /** One exception for several problems, each "path: what is wrong". */
  public InvalidInputException(List<String> problems) {
    super(String.join("\n", problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an InvalidInputException needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /** A single problem. */
  public InvalidInputException(String problem) {
    this(List.of(problem));
  }

  /** Every problem found, each starting with the field or key path. */
  public List<String> problems() {
    return problems;
  }
}
