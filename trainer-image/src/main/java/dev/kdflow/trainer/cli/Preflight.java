package dev.kdflow.trainer.cli;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.trainer.ExperimentRunner;
import dev.kdflow.trainer.InputChecker;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import dev.kdflow.trainer.training.ExperimentDirectory;
import dev.kdflow.trainer.training.LatestState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@code kdflow run}, {@code train} and {@code validate} check before any training, and
 * without writing anything: every file loads, every experiment passes {@link
 * KDExperimentValidator}'s rules (exactly the operator's) and {@link InputChecker}'s file checks,
 * and every experiment directory is in a state the command may use. A later experiment may use a
 * checkpoint an earlier one in the same command produces (the teacher, then the distillation).
 * {@link #offline} applies the operator's rules alone, for files whose checkpoints and datasets
 * exist only on a cluster.
 */
public final class Preflight {

  /** What the command will do with an experiment. */
  public enum Action {
    /** Train from scratch (the experiment directory holds no checkpoint). */
    TRAIN,
    /** Train from scratch after moving the earlier run's directory aside ({@code --force}). */
    TRAIN_REPLACING,
    /** Continue from {@code ckpt_latest} ({@code --resume} or {@code training.resume}). */
    RESUME,
    /** Nothing to do: an earlier run trained it to {@code maxEpochs}. */
    ALREADY_TRAINED
  }

  /**
   * One experiment, ready to run.
   *
   * @param file the file it came from
   * @param format manifest or recipe
   * @param experiment the experiment, overrides (and {@code --resume}) applied
   * @param name its experiment name (the checkpoint directory's name)
   * @param experimentDir {@code <checkpoints.rootDir>/<name>}
   * @param action what the command will do
   * @param finishedEpochs epochs an earlier run completed (0 when none)
   * @param warnings what runs, but probably not as intended (each names the file)
   */
  public record Planned(
      Path file,
      ExperimentLoader.Format format,
      KDExperiment experiment,
      String name,
      Path experimentDir,
      Action action,
      int finishedEpochs,
      List<ValidationProblem> warnings) {

    /** The planned epochs. */
    public int maxEpochs() {
      TrainingSpec t = experiment.getSpec().getTraining();
      return t == null || t.getMaxEpochs() == null ? 0 : t.getMaxEpochs();
    }
  }

  private Preflight() {}

  /**
   * Loads, validates and plans every file.
   *
   * @param files the experiment files, in the order they run
   * @param overrides {@code key.path=value} applied to every file
   * @param forced the format every file must have; null to accept either
   * @param resume continue every experiment from its {@code ckpt_latest}
   * @param force train again from scratch even when a run exists (it is moved aside, not deleted)
   * @throws InvalidExperimentException with every problem found, each naming its file
   */
  public static List<Planned> plan(
      List<Path> files,
      List<String> overrides,
      ExperimentLoader.Format forced,
      boolean resume,
      boolean force) {
    requireFiles(files);
    if (resume && force) {
      throw new InvalidExperimentException(
          "--resume/--force", "choose one: --resume continues a run, --force starts it over");
    }
    List<ValidationProblem> problems = new ArrayList<>();
    List<Planned> planned = new ArrayList<>();
    for (Path file : files) {
      String source = file.toString();
      KDExperiment experiment;
      ExperimentLoader.Format format;
      try {
        if (forced == ExperimentLoader.Format.RECIPE) {
          experiment = ExperimentLoader.loadRecipe(file, overrides);
          format = forced;
        } else {
          ExperimentLoader.Loaded loaded = ExperimentLoader.load(file, overrides);
          experiment = loaded.experiment();
          format = loaded.format();
        }
      } catch (InvalidExperimentException e) {
        e.problems().forEach(p -> problems.add(in(p, source)));
        continue;
      }
      KDExperimentSpec spec = experiment.getSpec();
      if (resume && spec != null) {
        if (spec.getTraining() == null) {
          spec.setTraining(new TrainingSpec());
        }
        spec.getTraining().setResume(true);
      }
      List<ValidationProblem> own = new ArrayList<>(rules(experiment, format));
      if (!KDExperimentValidator.hasErrors(own)) {
        own.addAll(InputChecker.check(spec, path -> producedEarlier(path, planned)));
      }
      if (KDExperimentValidator.hasErrors(own)) {
        own.stream().filter(ValidationProblem::isError).forEach(p -> problems.add(in(p, source)));
        continue;
      }
      List<ValidationProblem> warnings = own.stream().map(p -> in(p, source)).toList();
      ExperimentRunner runner = new ExperimentRunner(spec, experiment.getMetadata().getName());
      Path dir = runner.experimentDir();
      String name = runner.experimentName();
      Optional<Planned> clash =
          planned.stream()
              .filter(p -> p.experimentDir().toAbsolutePath().normalize().equals(abs(dir)))
              .findFirst();
      if (clash.isPresent()) {
        problems.add(
            ValidationProblem.error(
                    "metadata.name",
                    "experiment directory "
                        + dir
                        + " is also used by "
                        + clash.get().file()
                        + "; give each experiment its own name or checkpoints.experimentName")
                .in(source));
        continue;
      }
      int finished;
      boolean hasLatest;
      String otherNetwork;
      try {
        Optional<LatestState> earlier = new ExperimentDirectory(dir).readLatestState();
        finished = earlier.map(LatestState::epoch).orElse(0);
        hasLatest = earlier.isPresent();
        otherNetwork =
            earlier
                .flatMap(
                    st ->
                        st.otherNetwork(
                            spec.getStudent().getArchitecture(), spec.getStudent().getArchParams()))
                .orElse(null);
      } catch (IOException e) {
        problems.add(
            ValidationProblem.error(
                    "checkpoints",
                    "cannot read "
                        + new ExperimentDirectory(dir).latest()
                        + ": "
                        + e.getMessage()
                        + "; move the directory away or pass --force")
                .in(source));
        continue;
      }
      boolean wantsResume = Boolean.TRUE.equals(spec.getTraining().getResume());
      int maxEpochs = spec.getTraining().getMaxEpochs();
      Action action;
      if (force) {
        action = Files.exists(dir) ? Action.TRAIN_REPLACING : Action.TRAIN;
      } else if (otherNetwork != null) {
        // neither skipping it as trained nor resuming it is right: a later experiment of the same
        // command would distill from (or the run would continue) a network the manifest no
        // longer describes
        problems.add(
            ValidationProblem.error(
                    "checkpoints",
                    dir
                        + " holds a run of another network ("
                        + otherNetwork
                        + "); pass --force to train this manifest's network (the old directory is"
                        + " kept beside it), or give the experiment another metadata.name")
                .in(source));
        continue;
      } else if (wantsResume) {
        action = Action.RESUME;
      } else if (hasLatest && finished >= maxEpochs) {
        action = Action.ALREADY_TRAINED;
      } else if (hasLatest) {
        problems.add(
            ValidationProblem.error(
                    "checkpoints",
                    dir
                        + " holds an unfinished run (epoch "
                        + finished
                        + " of "
                        + maxEpochs
                        + "); pass --resume to continue it, or --force to start over (the old"
                        + " directory is kept beside it)")
                .in(source));
        continue;
      } else {
        action = Action.TRAIN;
      }
      planned.add(new Planned(file, format, experiment, name, dir, action, finished, warnings));
    }
    if (!problems.isEmpty()) {
      throw new InvalidExperimentException(problems);
    }
    return planned;
  }

  /**
   * One file as {@link #offline} saw it.
   *
   * @param file the file
   * @param format manifest or recipe; null when the file was skipped
   * @param experiment the experiment; null when the file was skipped
   * @param skipped why the file was not checked (another kind of object); null when checked
   * @param warnings what runs, but probably not as intended (each names the file)
   */
  public record Checked(
      Path file,
      ExperimentLoader.Format format,
      KDExperiment experiment,
      String skipped,
      List<ValidationProblem> warnings) {}

  /**
   * Exactly the operator's checks ({@link KDExperimentValidator}) of every file, without the files
   * an experiment names (checkpoints, datasets, TorchScript), which may exist only on a cluster's
   * volumes: what a GitOps pipeline runs before it syncs. Other Kubernetes objects beside the
   * experiments (a Kustomization, a Namespace, a claim) are skipped, not refused.
   *
   * @throws InvalidExperimentException with every problem found, each naming its file
   */
  public static List<Checked> offline(List<Path> files, List<String> overrides) {
    requireFiles(files);
    List<ValidationProblem> problems = new ArrayList<>();
    List<Checked> checked = new ArrayList<>();
    for (Path file : files) {
      String source = file.toString();
      try {
        Optional<String> otherKind = ExperimentLoader.otherKind(file);
        if (otherKind.isPresent()) {
          checked.add(
              new Checked(file, null, null, otherKind.get() + " is not a KDExperiment", List.of()));
          continue;
        }
        ExperimentLoader.Loaded loaded = ExperimentLoader.load(file, overrides);
        List<ValidationProblem> found = rules(loaded.experiment(), loaded.format());
        if (KDExperimentValidator.hasErrors(found)) {
          found.stream()
              .filter(ValidationProblem::isError)
              .forEach(p -> problems.add(in(p, source)));
        } else {
          checked.add(
              new Checked(
                  file,
                  loaded.format(),
                  loaded.experiment(),
                  null,
                  found.stream().map(p -> in(p, source)).toList()));
        }
      } catch (InvalidExperimentException e) {
        e.problems().forEach(p -> problems.add(in(p, source)));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidExperimentException(problems);
    }
    return checked;
  }

  /** The operator's rules: a manifest's name and spec, a recipe's spec (it has no metadata). */
  private static List<ValidationProblem> rules(
      KDExperiment experiment, ExperimentLoader.Format format) {
    return format == ExperimentLoader.Format.MANIFEST
        ? KDExperimentValidator.validate(experiment)
        : KDExperimentValidator.validateSpec(experiment.getSpec());
  }

  private static void requireFiles(List<Path> files) {
    if (files.isEmpty()) {
      throw new InvalidExperimentException(
          "FILE",
          "no experiment file given; pass a KDExperiment manifest or a recipe, e.g."
              + " examples/fashion-mnist/kd.yaml");
    }
  }

  /** The problem, naming the file unless it names one already. */
  private static ValidationProblem in(ValidationProblem p, String file) {
    return p.source() == null ? p.in(file) : p;
  }

  /**
   * True when {@code checkpoint} lies in the directory of an earlier experiment of this command.
   */
  private static boolean producedEarlier(Path checkpoint, List<Planned> earlier) {
    Path wanted = abs(checkpoint);
    return earlier.stream().anyMatch(p -> wanted.startsWith(abs(p.experimentDir())));
  }

  private static Path abs(Path p) {
    return p.toAbsolutePath().normalize();
  }
}
