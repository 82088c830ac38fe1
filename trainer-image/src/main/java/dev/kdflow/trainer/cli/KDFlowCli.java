package dev.kdflow.trainer.cli;

import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.trainer.training.TrainingFailedException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code kdflow} command line: {@code run}, {@code train}, {@code validate}, {@code evaluate},
 * {@code report} and {@code precompute-teacher}. Exit codes are those of {@link ExitCodes}; the
 * operator relies on them.
 */
@Command(
    name = "kdflow",
    mixinStandardHelpOptions = true,
    // Every command gets --help and --version, so "kdflow run --help" is help, not a usage error.
    scope = CommandLine.ScopeType.INHERIT,
    version = "kdflow 0.1.0",
    description = "Knowledge distillation: train a small student from a frozen teacher.",
    subcommands = {
      RunCommand.class,
      TrainCommand.class,
      ValidateCommand.class,
      EvaluateCommand.class,
      ReportCommand.class,
      PrecomputeTeacherCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:an unexpected internal error (a bug: please report it)",
      "2:invalid input (manifest, recipe, option, dataset or checkpoint); nothing was written",
      "3:training started and failed (e.g. the loss became NaN)",
      "130:stopped by SIGINT (Ctrl-C); --resume continues",
      "143:stopped by SIGTERM; --resume continues from ckpt_latest"
    })
public final class KDFlowCli implements Runnable {
  @Spec CommandSpec spec;

  final PrintStream out;
  final PrintStream err;
  final Clock clock;

  KDFlowCli(PrintStream out, PrintStream err, Clock clock) {
    this.out = out;
    this.err = err;
    this.clock = clock;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "a command is required: run, train, validate, evaluate, report or precompute-teacher"
            + " (kdflow help)");
  }

  /** Runs kdflow and exits with its exit code. */
  public static void main(String[] args) {
    int code = execute(args, System.out, System.err, Clock.systemUTC());
    System.out.flush();
    System.exit(code);
  }

  /**
   * Runs kdflow in this JVM.
   *
   * @return the exit code
   */
  public static int execute(String[] args, PrintStream out, PrintStream err, Clock clock) {
    CommandLine cl = new CommandLine(new KDFlowCli(out, err, clock));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionStrategy(KDFlowCli::refuseUnmatched);
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof InvalidExperimentException iee) {
            Errors.printInvalid(err, iee.problems());
            return ExitCodes.INVALID_INPUT;
          }
          if (e instanceof TrainingFailedException) {
            err.println("kdflow: training failed: " + e.getMessage());
            return ExitCodes.TRAINING_FAILED;
          }
          err.println("kdflow: internal error: " + e);
          e.printStackTrace(err);
          return ExitCodes.INTERNAL_ERROR;
        });
    return cl.execute(args);
  }

  /**
   * Picocli lets {@code --help} win over an argument it could not match ({@code kdflow
   * no-such-command --help} would print the help and exit 0); a word kdflow does not know is a
   * usage error whatever else is on the line.
   */
  private static int refuseUnmatched(CommandLine.ParseResult parseResult) {
    for (CommandLine.ParseResult r = parseResult; r != null; r = r.subcommand()) {
      if (!r.unmatched().isEmpty()) {
        throw new CommandLine.UnmatchedArgumentException(
            r.commandSpec().commandLine(), r.unmatched());
      }
    }
    return new CommandLine.RunLast().execute(parseResult);
  }
}
