package dev.kdflow.trainer.cli;

import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.trainer.ExperimentRunner;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import dev.kdflow.trainer.report.ReportFiles;
import dev.kdflow.trainer.report.ReportGenerator;
import dev.kdflow.trainer.status.StatusServer;
import dev.kdflow.trainer.status.TerminationMessage;
import dev.kdflow.trainer.status.TrainerReportTracker;
import dev.kdflow.trainer.training.EndRecord;
import dev.kdflow.trainer.training.ExperimentDirectory;
import dev.kdflow.trainer.training.TrainingFailedException;
import dev.kdflow.trainer.training.TrainingOutcome;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * One {@code kdflow run} or {@code kdflow train}: checks every experiment first (nothing is written
 * when one is wrong), then runs them in order, serving progress on the status port, and ends with a
 * summary table and the termination message. Returns the process's exit code.
 */
final class RunSession {
  private final RunOptions options;
  private final PrintStream out;
  private final PrintStream err;
  private final Clock clock;
  private volatile TrainerReportTracker current;
  private volatile ExperimentRunner runner;
  private volatile boolean stopRequested;

  RunSession(RunOptions options, PrintStream out, PrintStream err, Clock clock) {
    this.options = options;
    this.out = out;
    this.err = err;
    this.clock = clock;
  }

  /** Runs the files; returns the exit code. */
  int run(List<Path> files, List<String> overrides, ExperimentLoader.Format forced) {
    StopSignals.install(this::requestStop);
    try {
      return runChecked(files, overrides, forced);
    } finally {
      StopSignals.finished();
    }
  }

  // "try": the status server is held open for the runs and closed after them, never read here.
  @SuppressWarnings("try")
  private int runChecked(List<Path> files, List<String> overrides, ExperimentLoader.Format forced) {
    List<Preflight.Planned> plan;
    try {
      plan = Preflight.plan(files, overrides, forced, options.resume, options.force);
    } catch (InvalidExperimentException e) {
      Errors.printInvalid(err, e.problems());
      terminate(failedReport(e.getMessage()), ExitCodes.INVALID_INPUT);
      return ExitCodes.INVALID_INPUT;
    }
    plan.forEach(p -> Errors.printWarnings(err, p.warnings()));
    SummaryTable summary = new SummaryTable();
    int code = ExitCodes.OK;
    try (StatusServer server = startStatusServer()) {
      for (Preflight.Planned p : plan) {
        code = runOne(p, summary);
        if (code != ExitCodes.OK) {
          break;
        }
      }
    }
    if (!summary.isEmpty()) {
      out.println();
      out.print(summary.render());
    }
    TrainerReportTracker last = current;
    terminate(last == null ? failedReport("nothing ran") : last.snapshot(), code);
    return code;
  }

  private int runOne(Preflight.Planned p, SummaryTable summary) {
    TrainerReportTracker tracker =
        new TrainerReportTracker(p.name(), p.experimentDir(), p.maxEpochs(), clock);
    current = tracker;
    if (p.action() == Preflight.Action.ALREADY_TRAINED) {
      tracker.loadFromDisk();
      tracker.alreadyFinished();
      out.println(
          p.name()
              + ": already trained ("
              + p.finishedEpochs()
              + " of "
              + p.maxEpochs()
              + " epochs in "
              + p.experimentDir()
              + "); --force trains it again");
      summary.add(tracker.snapshot(), "already trained", p.experimentDir().toString(), report(p));
      return ExitCodes.OK;
    }
    if (p.action() == Preflight.Action.TRAIN_REPLACING) {
      Path aside = moveAside(p.experimentDir());
      out.println(p.name() + ": the earlier run is kept in " + aside);
    }
    if (p.action() == Preflight.Action.RESUME) {
      tracker.loadFromDisk();
    }
    ExperimentRunner r =
        new ExperimentRunner(p.experiment().getSpec(), p.experiment().getMetadata().getName())
            .addListener(tracker)
            .addListener(new ConsoleProgress(out, progressMode(), clock))
            // Printed with the plan, before the first experiment started.
            .onWarning(w -> {});
    runner = r;
    if (stopRequested) {
      r.requestStop();
    }
    String status;
    int code;
    try {
      TrainingOutcome result = r.run();
      if (EndRecord.STOPPED.equals(result.status())) {
        status = "stopped";
        code = ExitCodes.TERMINATED;
      } else {
        status = result.resumedFromEpoch() == null ? "trained" : "resumed, trained";
        code = ExitCodes.OK;
      }
    } catch (InvalidExperimentException e) {
      Errors.printInvalid(
          err, e.problems().stream().map(problem -> problem.in(p.file().toString())).toList());
      tracker.fail(e.getMessage());
      status = "invalid input";
      code = ExitCodes.INVALID_INPUT;
    } catch (TrainingFailedException e) {
      err.println("kdflow: training failed: " + p.name() + ": " + e.getMessage());
      tracker.fail(e.getMessage());
      status = "failed";
      code = ExitCodes.TRAINING_FAILED;
    } finally {
      runner = null;
    }
    summary.add(tracker.snapshot(), status, p.experimentDir().toString(), report(p));
    return code;
  }

  /** Asks the running experiment to stop at the next step, and skips the ones after it. */
  void requestStop() {
    stopRequested = true;
    ExperimentRunner r = runner;
    if (r != null) {
      r.requestStop();
    }
  }

  private String report(Preflight.Planned p) {
    if (!Files.isRegularFile(new ExperimentDirectory(p.experimentDir()).metricsFile())) {
      return null;
    }
    try {
      ReportFiles files = ReportGenerator.generate(p.experimentDir());
      return files.html().toString();
    } catch (RuntimeException e) {
      // The report is a view of metrics.jsonl; failing to draw it never fails the run.
      err.println("kdflow: warning: no report for " + p.name() + ": " + e.getMessage());
      return null;
    }
  }

  private Path moveAside(Path dir) {
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC)
            .format(clock.instant());
    Path aside = dir.resolveSibling(dir.getFileName() + ".replaced-" + stamp);
    for (int i = 2; Files.exists(aside); i++) {
      aside = dir.resolveSibling(dir.getFileName() + ".replaced-" + stamp + "-" + i);
    }
    try {
      Files.move(dir, aside);
      // precomputed soft labels are an input of the run, not a result of the earlier one
      Path softLabels = new ExperimentDirectory(aside).softLabels();
      if (Files.isDirectory(softLabels)) {
        Files.createDirectories(dir);
        Files.move(softLabels, new ExperimentDirectory(dir).softLabels());
      }
    } catch (IOException e) {
      throw new TrainingFailedException(
          "cannot move " + dir + " aside to " + aside + ": " + e.getMessage(), e);
    }
    return aside;
  }

  private StatusServer startStatusServer() {
    if (options.statusPort == null) {
      return null;
    }
    try {
      StatusServer server = StatusServer.start(options.statusPort, this::statusReport);
      out.println("status: http://localhost:" + server.port() + "/status and /metrics");
      return server;
    } catch (IOException e) {
      // Training matters more than its progress page: warn and go on.
      err.println(
          "kdflow: warning: cannot serve status on port "
              + options.statusPort
              + ": "
              + e.getMessage());
      return null;
    }
  }

  private TrainerReport statusReport() {
    TrainerReportTracker t = current;
    if (t != null) {
      return t.snapshot();
    }
    TrainerReport r = new TrainerReport();
    r.setPhase(TrainerReport.Phase.STARTING);
    r.setUpdateTime(clock.instant().toString());
    return r;
  }

  private TrainerReport failedReport(String reason) {
    TrainerReport r = new TrainerReport();
    r.setPhase(TrainerReport.Phase.FAILED);
    r.setReason(reason);
    r.setUpdateTime(clock.instant().toString());
    return r;
  }

  private void terminate(TrainerReport report, int code) {
    if (options.terminationMessagePath == null) {
      return;
    }
    report.setExitCode(code);
    try {
      TerminationMessage.write(options.terminationMessagePath, report);
    } catch (IOException e) {
      err.println(
          "kdflow: warning: cannot write the termination message to "
              + options.terminationMessagePath
              + ": "
              + e.getMessage());
    }
  }

  private ProgressMode progressMode() {
    if (options.progress != ProgressMode.AUTO) {
      return options.progress;
    }
    return System.console() != null ? ProgressMode.BAR : ProgressMode.PLAIN;
  }
}
