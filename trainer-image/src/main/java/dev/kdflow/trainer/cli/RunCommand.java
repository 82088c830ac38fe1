package dev.kdflow.trainer.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kdflow run FILE... [key.path=value...]}: runs KDExperiment manifests (or recipes). */
@Command(
    name = "run",
    description = {
      "Runs KDExperiment manifests (the files you would kubectl apply) or SuperGradients KD"
          + " recipes, in order, on this machine (a GPU when one is visible, else the CPU).",
      "Everything is checked before anything trains. An experiment trained to its maxEpochs"
          + " earlier is not trained again (--force does); an unfinished one needs --resume or"
          + " --force.",
      "Overrides apply to every file: spec paths without 'spec.' for manifests"
          + " (training.maxEpochs=1), recipe keys for recipes."
    })
final class RunCommand implements Callable<Integer> {
  @ParentCommand KDFlowCli cli;

  @Mixin RunOptions options = new RunOptions();

  @Parameters(
      paramLabel = "FILE|KEY=VALUE",
      arity = "1..*",
      description = "Experiment files, then key.path=value overrides.")
  List<String> arguments = new ArrayList<>();

  @Override
  public Integer call() {
    Arguments args = Arguments.split(arguments);
    return new RunSession(options, cli.out, cli.err, cli.clock)
        .run(args.files(), args.overrides(), null);
  }
}
