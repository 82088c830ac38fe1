package dev.kdflow.trainer.cli;

import dev.kdflow.trainer.recipe.ExperimentLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kdflow train --recipe recipe.yaml [key=value...]}: SuperGradients' {@code
 * train_from_config} path for a KD recipe.
 */
@Command(
    name = "train",
    description = {
      "Trains from a SuperGradients KD recipe (student_architecture, teacher_architecture,"
          + " *_arch_params, *_checkpoint_params, training_hyperparams, dataset params).",
      "Overrides use the recipe's own keys: training_hyperparams.max_epochs=1."
    })
final class TrainCommand implements Callable<Integer> {
  @ParentCommand KDFlowCli cli;

  @Mixin RunOptions options = new RunOptions();

  @Option(names = "--recipe", required = true, paramLabel = "FILE", description = "The recipe.")
  Path recipe;

  @Parameters(paramLabel = "KEY=VALUE", arity = "0..*", description = "Recipe key overrides.")
  List<String> overrides = new ArrayList<>();

  @Override
  public Integer call() {
    return new RunSession(options, cli.out, cli.err, cli.clock)
        .run(List.of(recipe), overrides, ExperimentLoader.Format.RECIPE);
  }
}
