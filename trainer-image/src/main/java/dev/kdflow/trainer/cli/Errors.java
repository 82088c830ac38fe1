package dev.kdflow.trainer.cli;

import dev.kdflow.api.validation.ValidationProblem;
import java.io.PrintStream;
import java.util.List;

/** How the CLI prints problems with the input: one per line, each with its field or key path. */
final class Errors {
  private Errors() {}

  static void printInvalid(PrintStream err, List<ValidationProblem> problems) {
    err.println(
        "kdflow: invalid input ("
            + problems.size()
            + (problems.size() == 1 ? " problem" : " problems")
            + "); nothing was trained or written:");
    for (ValidationProblem p : problems) {
      err.println("  " + p);
    }
  }

  /** Warnings: the experiment runs, but probably not as intended. */
  static void printWarnings(PrintStream err, List<ValidationProblem> warnings) {
    for (ValidationProblem w : warnings) {
      err.println("kdflow: warning: " + w);
    }
  }
}
