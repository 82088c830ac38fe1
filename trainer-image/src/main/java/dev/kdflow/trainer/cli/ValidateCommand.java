package dev.kdflow.trainer.cli;

import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.trainer.recipe.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kdflow validate FILE...}: every check {@code run} makes, without training. */
@Command(
    name = "validate",
    description = {
      "Checks manifests or recipes without training: syntax, unknown keys, types, values,"
          + " architectures and their params, datasets, checkpoints and TorchScript files.",
      "Prints every problem with its field path; exits 2 when there is one."
    })
final class ValidateCommand implements Callable<Integer> {
  @ParentCommand KDFlowCli cli;

  @Parameters(
      paramLabel = "FILE|KEY=VALUE",
      arity = "1..*",
      description = "Experiment files, then key.path=value overrides.")
  List<String> arguments = new ArrayList<>();

  @Override
  public Integer call() {
    Arguments args = Arguments.split(arguments);
    List<Preflight.Planned> plan;
    try {
      // --resume: an unfinished earlier run is not a problem of the file.
      plan = Preflight.plan(args.files(), args.overrides(), null, true, false);
    } catch (InvalidInputException e) {
      Errors.printInvalid(cli.err, e.problems());
      return ExitCodes.INVALID_INPUT;
    }
    for (Preflight.Planned p : plan) {
      cli.out.println(p.file() + ": ok (" + describe(p) + ")");
    }
    return ExitCodes.OK;
  }

  private static String describe(Preflight.Planned p) {
    KDExperimentSpec spec = p.experiment().getSpec();
    TeacherSpec t = spec.getTeacher();
    String teacher =
        t == null
            ? "no teacher"
            : t.getTorchscript() != null
                ? "TorchScript teacher " + t.getTorchscript()
                : "teacher " + t.getArchitecture();
    return p.format().name().toLowerCase(java.util.Locale.ROOT)
        + " "
        + p.name()
        + ": student "
        + spec.getStudent().getArchitecture()
        + ", "
        + teacher
        + ", "
        + p.maxEpochs()
        + " epochs, checkpoints in "
        + p.experimentDir();
  }
}
