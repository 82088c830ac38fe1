package dev.kdflow.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import dev.kdflow.trainer.checkpoint.AtomicDirectory;
import dev.kdflow.trainer.checkpoint.NamedArrays;
import dev.kdflow.trainer.checkpoint.Weights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes an experiment's checkpoints, each replaced atomically: ckpt_latest (the whole task, the
 * optimizer's and the EMA's state, {@link LatestState}) and student-only checkpoints (ckpt_best,
 * ckpt_epoch_N: the student's weights and {@link CheckpointInfo}).
 */
final class CheckpointWriter {
  private final ExperimentDirectory dir;
  private final String experimentName;
  private final String architecture;
  private final Map<String, Object> archParams;
  private final Map<String, Object> dataDescription;

  CheckpointWriter(
      ExperimentDirectory dir,
      String experimentName,
      String architecture,
      Map<String, Object> archParams,
      Map<String, Object> dataDescription) {
    this.dir = dir;
    this.experimentName = experimentName;
    this.architecture = architecture;
    this.archParams = archParams;
    this.dataDescription = dataDescription;
  }

  /**
   * Writes the student alone (e.g. ckpt_best while the EMA weights are swapped in).
   *
   * @param target the checkpoint directory
   * @param kind {@code best} or {@code epoch}
   * @param valid the weights' validation metrics; null when not validated
   * @param ema whether the weights are the EMA average
   */
  void writeStudent(
      Path target,
      Block student,
      String kind,
      String metric,
      EpochRecord.ValidMetrics valid,
      int epoch,
      boolean ema)
      throws IOException {
    CheckpointInfo info =
        new CheckpointInfo(
            kind,
            experimentName,
            architecture,
            archParams,
            metric,
            valid == null ? null : valid.get(metric),
            epoch,
            ema,
            valid,
            dataDescription);
    AtomicDirectory.write(
        target,
        tmp -> {
          NamedArrays.save(tmp.resolve(Weights.MODEL_FILE), Weights.arrays(student, ""));
          ExperimentDirectory.writeInfo(tmp, info);
        });
  }

  /** Writes ckpt_latest: everything a resume needs to continue exactly after this epoch. */
  void writeLatest(
      TrainingTask task,
      ParameterOptimizer optimizer,
      Ema ema,
      int epochsDone,
      long globalStep,
      EpochRecord.Best best,
      long seed,
      int maxEpochs,
      EpochRecord.ValidMetrics lastValid)
      throws IOException {
    LatestState state =
        new LatestState(
            1,
            experimentName,
            architecture,
            archParams,
            epochsDone,
            globalStep,
            optimizer.getClass().getSimpleName(),
            optimizer.getStepCount(),
            ema == null ? null : ema.getUpdates(),
            best,
            seed,
            maxEpochs,
            lastValid);
    AtomicDirectory.write(
        dir.latest(),
        tmp -> {
          Map<String, NDArray> module =
              new LinkedHashMap<>(Weights.arrays(task.student(), Weights.STUDENT_PREFIX));
          if (task.teacher() != null) {
            module.putAll(Weights.arrays(task.teacher(), Weights.TEACHER_PREFIX));
          }
          if (task.auxiliary() != null) {
            module.putAll(Weights.arrays(task.auxiliary(), TrainingTask.AUXILIARY_PREFIX));
          }
          NamedArrays.save(tmp.resolve(Weights.MODULE_FILE), module);
          if (!optimizer.state().isEmpty()) {
            NamedArrays.save(tmp.resolve(ExperimentDirectory.OPTIMIZER_FILE), optimizer.state());
          }
          if (ema != null) {
            NamedArrays.save(tmp.resolve(ExperimentDirectory.EMA_FILE), ema.weights());
          }
          ExperimentDirectory.writeState(tmp, state);
        });
  }
}
