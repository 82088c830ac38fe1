package dev.kdflow.trainer.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options {@code kdflow run} and {@code kdflow train} share. */
public final class RunOptions {
  @Option(
      names = "--resume",
      description =
          "Continue each experiment from its ckpt_latest (as training.resume=true); an experiment"
              + " without one starts from scratch.")
  boolean resume;

  @Option(
      names = "--force",
      description =
          "Train again from scratch even when an earlier run exists; its directory is moved aside"
              + " to <name>.replaced-<time>, never deleted.")
  boolean force;

  @Option(
      names = "--status-port",
      paramLabel = "PORT",
      description = "Serve GET /status (JSON) and GET /metrics (Prometheus) on PORT (0: any free).")
  Integer statusPort;

  @Option(
      names = "--termination-message-path",
      paramLabel = "FILE",
      description =
          "Write the final report (JSON, under 4 KiB) to FILE when the command ends; in a pod:"
              + " /dev/termination-log.")
  Path terminationMessagePath;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      defaultValue = "AUTO",
      description =
          "auto (a bar on a terminal, plain lines otherwise), bar, plain or quiet (epoch lines"
              + " only). Default: ${DEFAULT-VALUE}.")
  ProgressMode progress = ProgressMode.AUTO;
}
