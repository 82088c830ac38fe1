package dev.kdflow.trainer.cli;

import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.trainer.report.ReportFiles;
import dev.kdflow.trainer.report.ReportGenerator;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kdflow report EXPERIMENT_DIR}: training curves and a one-page summary. */
@Command(
    name = "report",
    description = {
      "Draws an experiment's training curves (loss parts; student and teacher validation"
          + " accuracy per epoch) as PNG and a one-page HTML summary, from its metrics.jsonl,"
          + " into EXPERIMENT_DIR/report/. Works while the run is still going."
    })
final class ReportCommand implements Callable<Integer> {
  @ParentCommand KDFlowCli cli;

  @Parameters(
      paramLabel = "EXPERIMENT_DIR",
      description = "<checkpoints.rootDir>/<experiment>, e.g. checkpoints/fashion-mnist-kd.")
  Path experimentDir;

  @Override
  public Integer call() {
    ReportFiles files;
    try {
      files = ReportGenerator.generate(experimentDir);
    } catch (IllegalArgumentException e) {
      throw new InvalidExperimentException("EXPERIMENT_DIR", e.getMessage(), e);
    }
    cli.out.println("report:   " + files.html());
    cli.out.println("loss:     " + files.lossChart());
    cli.out.println("accuracy: " + files.accuracyChart());
    return ExitCodes.OK;
  }
}
