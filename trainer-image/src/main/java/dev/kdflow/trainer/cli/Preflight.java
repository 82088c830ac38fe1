package dev.kdflow.trainer.cli;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.TrainingSpec;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.trainer.ExperimentRunner;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import dev.kdflow.trainer.recipe.InvalidInputException;
import dev.kdflow.trainer.training.ExperimentDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@code kdflow run}, {@code train} and {@code validate} check before any training, and
 * without writing anything: every file loads, every experiment validates (the same rules the
 * operator applies, plus the trainer's own checks of files and architectures), and every experiment
 * directory is in a state the command may use. A later experiment may use a checkpoint an earlier
 * one in the same command produces (the teacher, then the distillation).
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
   */
  public record Planned(
      Path file,
      ExperimentLoader.Format format,
      KDExperiment experiment,
      String name,
      Path experimentDir,
      Action action,
      int finishedEpochs) {

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
   * @throws InvalidInputException with every problem found, each prefixed by its file
   */
  public static List<Planned> plan(
      List<Path> files,
      List<String> overrides,
      ExperimentLoader.Format forced,
      boolean resume,
      boolean force) {
    if (files.isEmpty()) {
      throw new InvalidInputException(
          "FILE: no experiment file given; pass a KDExperiment manifest or a recipe, e.g."
              + " examples/fashion-mnist/kd.yaml");
    }
    if (resume && force) {
      throw new InvalidInputException(
          "--resume/--force: choose one: --resume continues a run, --force starts it over");
    }
    List<String> problems = new ArrayList<>();
    List<Planned> planned = new ArrayList<>();
    for (Path file : files) {
      String prefix = file + ": ";
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
      } catch (InvalidInputException e) {
        // Problems about the file as a whole already start with its name.
        e.problems().forEach(p -> problems.add(p.startsWith(file.toString()) ? p : prefix + p));
        continue;
      }
      KDExperimentSpec spec = experiment.getSpec();
      if (resume && spec != null) {
        if (spec.getTraining() == null) {
          spec.setTraining(new TrainingSpec());
        }
        spec.getTraining().setResume(true);
      }
      List<String> own = new ArrayList<>();
      List<ValidationProblem> validation =
          format == ExperimentLoader.Format.MANIFEST
              ? KDExperimentValidator.validate(experiment)
              : KDExperimentValidator.validateSpec(spec);
      validation.forEach(p -> own.add(p.toString()));
      if (spec != null && own.isEmpty()) {
        for (String p : ExperimentRunner.check(spec)) {
          if (!producedEarlier(p, spec, planned)) {
            own.add(p);
          }
        }
      }
      if (!own.isEmpty()) {
        own.forEach(p -> problems.add(prefix + p));
        continue;
      }
      ExperimentRunner runner = new ExperimentRunner(spec, experiment.getMetadata().getName());
      Path dir = runner.experimentDir();
      String name = runner.experimentName();
      Optional<Planned> clash =
          planned.stream()
              .filter(p -> p.experimentDir().toAbsolutePath().normalize().equals(abs(dir)))
              .findFirst();
      if (clash.isPresent()) {
        problems.add(
            prefix
                + "metadata.name: experiment directory "
                + dir
                + " is also used by "
                + clash.get().file()
                + "; give each experiment its own name or checkpoints.experimentName");
        continue;
      }
      int finished;
      boolean hasLatest;
      try {
        finished = finishedEpochs(dir);
        hasLatest = new ExperimentDirectory(dir).hasLatest();
      } catch (IOException e) {
        problems.add(
            prefix
                + "checkpoints: cannot read "
                + new ExperimentDirectory(dir).latest()
                + ": "
                + e.getMessage()
                + "; move the directory away or pass --force");
        continue;
      }
      boolean wantsResume = Boolean.TRUE.equals(spec.getTraining().getResume());
      int maxEpochs = spec.getTraining().getMaxEpochs();
      Action action;
      if (force) {
        action = Files.exists(dir) ? Action.TRAIN_REPLACING : Action.TRAIN;
      } else if (wantsResume) {
        action = Action.RESUME;
      } else if (hasLatest && finished >= maxEpochs) {
        action = Action.ALREADY_TRAINED;
      } else if (hasLatest) {
        problems.add(
            prefix
                + "checkpoints: "
                + dir
                + " holds an unfinished run (epoch "
                + finished
                + " of "
                + maxEpochs
                + "); pass --resume to continue it, or --force to start over (the old"
                + " directory is kept beside it)");
        continue;
      } else {
        action = Action.TRAIN;
      }
      planned.add(new Planned(file, format, experiment, name, dir, action, finished));
    }
    if (!problems.isEmpty()) {
      throw new InvalidInputException(problems);
    }
    return planned;
  }

  /**
   * Epochs the run in {@code dir} completed, from {@code ckpt_latest}'s state; 0 when there is
   * none.
   */
  static int finishedEpochs(Path dir) throws IOException {
    return new ExperimentDirectory(dir).finishedEpochs();
  }

  /**
   * True when the problem is a missing checkpoint that an earlier experiment of the same command
   * writes: the teacher a distillation uses, trained first.
   */
  private static boolean producedEarlier(
      String problem, KDExperimentSpec spec, List<Planned> earlier) {
    for (String role : List.of("teacher", "student")) {
      String field = "spec." + role + ".checkpoint.checkpointPath: not found";
      ModelSpec model = "teacher".equals(role) ? spec.getTeacher() : spec.getStudent();
      if (!problem.startsWith(field)
          || model == null
          || model.getCheckpoint() == null
          || model.getCheckpoint().getCheckpointPath() == null) {
        continue;
      }
      Path wanted = abs(Path.of(model.getCheckpoint().getCheckpointPath()));
      if (earlier.stream().anyMatch(p -> wanted.startsWith(abs(p.experimentDir())))) {
        return true;
      }
    }
    return false;
  }

  private static Path abs(Path p) {
    return p.toAbsolutePath().normalize();
  }
}
