package dev.kdflow.trainer.cli;

import java.io.PrintStream;
import java.util.List;

/** How the CLI prints problems with the input: one per line, each with its field or key path. */
final class Errors {
  private Errors() {}

  static void printInvalid(PrintStream err, List<String> problems) {
    err.println(
        "kdflow: invalid input ("
            + problems.size()
            + (problems.size() == 1 ? " problem" : " problems")
            + "); nothing was trained or written:");
    for (String p : problems) {
      err.println("  " + p);
    }
  }
}
