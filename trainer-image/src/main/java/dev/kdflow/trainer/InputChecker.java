package dev.kdflow.trainer;

import dev.kdflow.api.CheckpointParams;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.SpecDefaults;
import dev.kdflow.api.TeacherSpec;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.trainer.checkpoint.AtomicDirectory;
import dev.kdflow.trainer.data.DatasetLoader;
import dev.kdflow.trainer.training.ExperimentDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The checks of an experiment that need this machine's files, after {@link KDExperimentValidator}'s
 * rules (which need none): the dataset directory, the student's and teacher's checkpoints (present,
 * and holding the architecture the spec names) and the TorchScript teacher file. Problems come back
 * as {@link ValidationProblem}s with their field paths, like the rule set's. Reads only; nothing
 * big is loaded.
 *
 * <p>On a cluster these files live on the pod's volumes, so the operator (and {@code kdflow
 * validate --offline}) apply the rule set alone; the trainer applies both before it trains.
 */
public final class InputChecker {

  private InputChecker() {}

  /**
   * Checks the files a spec names.
   *
   * @param spec a spec the rule set accepts
   * @param writtenBeforeUse checkpoint paths that do not exist yet but will before this experiment
   *     runs (an earlier experiment of the same command writes them); not checked
   * @return the problems, empty when every file is there
   */
  public static List<ValidationProblem> check(
      KDExperimentSpec spec, Predicate<Path> writtenBeforeUse) {
    List<ValidationProblem> problems = new ArrayList<>();
    if (spec.getStudent() != null) {
      checkpoint("spec.student", spec.getStudent(), writtenBeforeUse, problems);
    }
    List<TeacherSpec> teachers = spec.teacherList();
    for (int i = 0; i < teachers.size(); i++) {
      TeacherSpec teacher = teachers.get(i);
      String path = spec.getTeacher() != null ? "spec.teacher" : "spec.teachers[" + i + "]";
      if (teacher == null) {
        continue;
      }
      if (teacher.getTorchscript() != null && !teacher.getTorchscript().isBlank()) {
        if (!Files.isRegularFile(Path.of(teacher.getTorchscript()))) {
          problems.add(
              ValidationProblem.error(
                  path + ".torchscript", "file not found: " + teacher.getTorchscript()));
        }
      } else {
        checkpoint(path, teacher, writtenBeforeUse, problems);
      }
    }
    DatasetSpec d = SpecDefaults.resolve(spec.getDataset(), DatasetSpec.class);
    Path dir = DatasetLoader.directoryOf(d);
    if (dir != null && !Files.isDirectory(dir)) {
      problems.add(
          ValidationProblem.error(
              "spec.dataset.path",
              "directory "
                  + dir
                  + " does not exist"
                  + (d.getPath() == null
                      ? " (install Debian's dataset-fashion-mnist or set spec.dataset.path)"
                      : "")));
    }
    return problems;
  }

  /** Checks a spec's files, none of them written by an earlier experiment. */
  public static List<ValidationProblem> check(KDExperimentSpec spec) {
    return check(spec, p -> false);
  }

  private static void checkpoint(
      String path,
      ModelSpec model,
      Predicate<Path> writtenBeforeUse,
      List<ValidationProblem> problems) {
    CheckpointParams c = model.getCheckpoint();
    if (c == null || c.getCheckpointPath() == null || c.getCheckpointPath().isBlank()) {
      return;
    }
    String at = path + ".checkpoint.checkpointPath";
    Path p = Path.of(c.getCheckpointPath());
    if (writtenBeforeUse.test(p)) {
      return;
    }
    try {
      if (AtomicDirectory.resolve(p) == null && !Files.isRegularFile(p)) {
        problems.add(ValidationProblem.error(at, "not found: " + p));
        return;
      }
      ExperimentDirectory.recordedArchitecture(p)
          .filter(a -> !a.equals(model.getArchitecture()))
          .ifPresent(
              a ->
                  problems.add(
                      ValidationProblem.error(
                          at, p + " holds a " + a + " network, not " + model.getArchitecture())));
    } catch (IOException e) {
      problems.add(ValidationProblem.error(at, "unreadable: " + e.getMessage()));
    }
  }
}
