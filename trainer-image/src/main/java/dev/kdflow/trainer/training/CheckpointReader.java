package dev.kdflow.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.SymbolBlock;
import dev.kdflow.trainer.checkpoint.AtomicDirectory;
import dev.kdflow.trainer.checkpoint.NamedArrays;
import dev.kdflow.trainer.checkpoint.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Restores ckpt_latest into a task, its optimizer and its EMA, so that training continues exactly
 * where the checkpointed epoch ended. A checkpoint that cannot be used (missing or truncated file,
 * other architecture, EMA mismatch) fails the resume with a message naming the file; nothing on
 * disk is changed.
 */
final class CheckpointReader {
  private final ExperimentDirectory dir;
  private final String architecture;
  private final Map<String, Object> archParams;

  /**
   * @param architecture the architecture this run trains (null: not checked)
   * @param archParams its arch params (null: none)
   */
  CheckpointReader(ExperimentDirectory dir, String architecture, Map<String, Object> archParams) {
    this.dir = dir;
    this.architecture = architecture;
    this.archParams = archParams;
  }

  /**
   * Loads ckpt_latest; null when there is none.
   *
   * @throws TrainingFailedException when ckpt_latest exists but cannot be resumed from
   */
  LatestState restore(TrainingTask task, ParameterOptimizer optimizer, Ema ema, NDManager root) {
    Path latest;
    try {
      latest = AtomicDirectory.resolve(dir.latest());
    } catch (IOException e) {
      throw new TrainingFailedException("cannot read " + dir.latest() + ": " + e.getMessage(), e);
    }
    if (latest == null) {
      return null;
    }
    Path file = latest.resolve(ExperimentDirectory.STATE_FILE);
    try {
      LatestState state = ExperimentDirectory.readState(latest);
      Optional<String> other = state.otherNetwork(architecture, archParams);
      if (other.isPresent()) {
        throw new TrainingFailedException(
            "cannot resume: "
                + latest
                + " holds a run of another network ("
                + other.get()
                + "); train it under another experiment name, or start over (kdflow run --force"
                + " keeps the old directory beside the new one)");
      }
      try (NDManager m = root.newSubManager()) {
        file = latest.resolve(Weights.MODULE_FILE);
        Map<String, NDArray> module = NamedArrays.load(file, m);
        Weights.copyInto(
            task.student(), strip(module, Weights.STUDENT_PREFIX), true, latest.toString());
        // A TorchScript teacher is its file: its weights are inference tensors that cannot be
        // written, and the frozen file holds exactly what ckpt_latest saved.
        if (task.teacher() != null && !(task.teacher() instanceof SymbolBlock)) {
          Weights.copyInto(
              task.teacher(), strip(module, Weights.TEACHER_PREFIX), true, latest + " (teacher)");
        }
        if (task.auxiliary() != null) {
          Weights.copyInto(
              task.auxiliary(),
              strip(module, TrainingTask.AUXILIARY_PREFIX),
              true,
              latest + " (hint regressors)");
        }
        if (!optimizer.state().isEmpty()) {
          file = latest.resolve(ExperimentDirectory.OPTIMIZER_FILE);
          optimizer.restore(NamedArrays.load(file, m), state.optimizerSteps());
        } else {
          optimizer.restore(Map.of(), state.optimizerSteps());
        }
        if (ema != null) {
          file = latest.resolve(ExperimentDirectory.EMA_FILE);
          if (state.emaUpdates() == null || !Files.exists(file)) {
            throw new TrainingFailedException(
                "cannot resume: " + latest + " was written without EMA but this run uses EMA");
          }
          ema.restore(NamedArrays.load(file, m), state.emaUpdates());
        }
      }
      return state;
    } catch (TrainingFailedException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // A truncated or corrupt file fails inside the engine's decoder with any runtime exception.
      throw new TrainingFailedException(
          "cannot resume from "
              + file
              + ": "
              + e.getMessage()
              + "; the checkpoint is damaged: move "
              + latest
              + " away to start over, or restore it from a copy (ckpt_best is untouched)",
          e);
    }
  }

  private static Map<String, NDArray> strip(Map<String, NDArray> all, String prefix) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    all.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k.substring(prefix.length()), v);
          }
        });
    return out;
  }
}
