package dev.kdflow.trainer.cli;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kdflow validate FILE...}: every check {@code run} makes, without training; with {@code
 * --offline}, the operator's checks only. Problems leave {@link #call()} as the CLI's one bad-input
 * exception and exit 2.
 */
@Command(
    name = "validate",
    description = {
      "Checks manifests or recipes without training: syntax, unknown keys, types, values,"
          + " architectures and their params, datasets, checkpoints and TorchScript files.",
      "With --offline, exactly the operator's checks and nothing that needs the files an"
          + " experiment names (for a GitOps pipeline, whose checkpoints and datasets exist only"
          + " on the cluster).",
      "Prints every problem with its field path; exits 2 when there is one. Warnings (the"
          + " experiment runs, but probably not as intended) are printed and exit 0."
    })
final class ValidateCommand implements Callable<Integer> {
  @ParentCommand KDFlowCli cli;

  @Option(
      names = "--offline",
      description =
          "Apply only the operator's checks (the same rules, the same messages): no dataset,"
              + " checkpoint or TorchScript file is looked at, and Kubernetes objects other than"
              + " KDExperiments (Kustomization, Namespace, ...) are skipped. For CI of GitOps"
              + " repositories.")
  boolean offline;

  @Parameters(
      paramLabel = "FILE|KEY=VALUE",
      arity = "1..*",
      description = "Experiment files, then key.path=value overrides.")
  List<String> arguments = new ArrayList<>();

  @Override
  public Integer call() {
    Arguments args = Arguments.split(arguments);
    if (offline) {
      List<Preflight.Checked> checked = Preflight.offline(args.files(), args.overrides());
      for (Preflight.Checked c : checked) {
        Errors.printWarnings(cli.err, c.warnings());
        cli.out.println(
            c.file()
                + (c.skipped() != null
                    ? ": skipped (" + c.skipped() + ")"
                    : ": ok ("
                        + describe(
                            c.format(), c.experiment().getMetadata().getName(), c.experiment())
                        + ")"));
      }
      return ExitCodes.OK;
    }
    // --resume: an unfinished earlier run is not a problem of the file.
    List<Preflight.Planned> plan =
        Preflight.plan(args.files(), args.overrides(), null, true, false);
    for (Preflight.Planned p : plan) {
      Errors.printWarnings(cli.err, p.warnings());
      cli.out.println(
          p.file()
              + ": ok ("
              + describe(p.format(), p.name(), p.experiment())
              + ", checkpoints in "
              + p.experimentDir()
              + ")");
    }
    return ExitCodes.OK;
  }

  /** E.g. "manifest kd: student mlp, teacher cnn, 10 epochs". */
  private static String describe(
      ExperimentLoader.Format format, String name, KDExperiment experiment) {
    List<TeacherSpec> all = experiment.getSpec().teacherList();
    String teacher =
        all.isEmpty()
            ? "no teacher"
            : (all.size() == 1 ? "" : all.size() + " teachers: ")
                + String.join(
                    ", ",
                    all.stream()
                        .map(
                            t ->
                                t.getTorchscript() != null
                                    ? "TorchScript teacher " + t.getTorchscript()
                                    : "teacher " + t.getArchitecture())
                        .toList());
    return format.name().toLowerCase(Locale.ROOT)
        + " "
        + name
        + ": student "
        + experiment.getSpec().getStudent().getArchitecture()
        + ", "
        + teacher
        + ", "
        + experiment.getSpec().getTraining().getMaxEpochs()
        + " epochs";
  }
}
