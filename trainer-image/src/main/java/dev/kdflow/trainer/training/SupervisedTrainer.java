package dev.kdflow.trainer.training;

import ai.djl.nn.Block;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.trainer.data.BatchSource;
import dev.kdflow.trainer.loss.CrossEntropyLoss;
import dev.kdflow.trainer.loss.SupervisedLoss;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Plain supervised training (e.g. of a teacher), SuperGradients' {@code Trainer}: a lean loop of
 * forward, backward, optional gradient clipping, optimizer step and EMA update ({@link
 * TrainingStep}, {@link EpochLoop}), with per-epoch validation ({@link ValidationPass})
 * (Top-1/Top-5 of the student) and atomic checkpoints in {@code <ckptRootDir>/<experimentName>/}:
 * {@code ckpt_latest} (everything needed to resume exactly), {@code ckpt_best} (the student only,
 * EMA weights when EMA is on, plus {@code checkpoint.json}) and {@code ckpt_epoch_N}. {@code
 * kd.KDTrainer} adds a frozen teacher.
 *
 * <p>Reproducibility: the data order and augmentation of epoch e and the engine's random generator
 * (dropout) are seeded from {@code (seed, e)}, never from history, so a run stopped after epoch k
 * and resumed with {@code resume = true} ends with the weights of an uninterrupted run.
 */
public class SupervisedTrainer {

  protected final String experimentName;
  protected final Path ckptRootDir;
  private final List<TrainingProgressListener> listeners = new CopyOnWriteArrayList<>();
  private SupervisedLoss loss = new CrossEntropyLoss();
  private String architecture;
  private Map<String, Object> archParams = Map.of();
  private Map<String, Object> dataDescription = Map.of();
  private volatile boolean stopRequested;

  /**
   * @param experimentName checkpoint sub-directory name
   * @param ckptRootDir checkpoint root; null disables checkpoints (and resume)
   */
  public SupervisedTrainer(String experimentName, Path ckptRootDir) {
    this.experimentName = experimentName;
    this.ckptRootDir = ckptRootDir;
  }

  /** Receives progress events. */
  public SupervisedTrainer addListener(TrainingProgressListener listener) {
    listeners.add(listener);
    return this;
  }

  /** The supervised loss (default: cross-entropy). */
  public SupervisedTrainer setLoss(SupervisedLoss loss) {
    this.loss = loss;
    return this;
  }

  /** Records the student's registry name and arch params in checkpoint sidecars. */
  public SupervisedTrainer setStudentDescription(
      String architecture, Map<String, Object> archParams) {
    this.architecture = architecture;
    this.archParams = archParams == null ? Map.of() : new LinkedHashMap<>(archParams);
    return this;
  }

  /**
   * Records how the data was prepared (e.g. {@code dataset}, {@code normalization}) in checkpoint
   * sidecars, so that a checkpoint can be evaluated on the same data later.
   */
  public SupervisedTrainer setDataDescription(Map<String, Object> description) {
    this.dataDescription = description == null ? Map.of() : new LinkedHashMap<>(description);
    return this;
  }

  /**
   * Asks the current run (or, when none is running, the next one) to stop at the next step
   * boundary, e.g. on SIGTERM. The partial epoch is not checkpointed; the result says {@code
   * stopped}.
   */
  public void requestStop() {
    stopRequested = true;
  }

  /** {@code <ckptRootDir>/<experimentName>}, or null without checkpoints. */
  public Path experimentDir() {
    return ckptRootDir == null ? null : ckptRootDir.resolve(experimentName);
  }

  /**
   * Trains a network with the supervised loss.
   *
   * @param model an initialised network (see {@code Models.build})
   * @param trainingParams hyper-parameters
   * @param trainLoader training batches
   * @param validLoader validation batches
   */
  public TrainingOutcome train(
      Block model,
      TrainingParams trainingParams,
      BatchSource trainLoader,
      BatchSource validLoader) {
    return run(TrainingTask.alone(model, loss), trainingParams, trainLoader, validLoader);
  }

  /** Runs the training loop for a task. */
  protected TrainingOutcome run(
      TrainingTask task, TrainingParams params, BatchSource trainLoader, BatchSource validLoader) {
    // The same rules as a manifest's, for callers that build the params in Java.
    InvalidExperimentException.throwIfErrors(KDExperimentValidator.validateTraining(params.spec()));
    ExperimentDirectory dir =
        ckptRootDir == null ? null : ExperimentDirectory.of(ckptRootDir, experimentName);
    EpochLoop loop =
        new EpochLoop(
            experimentName,
            dir,
            new CheckpointWriter(dir, experimentName, architecture, archParams, dataDescription),
            new CheckpointReader(dir, architecture, archParams),
            this::emit,
            () -> stopRequested);
    TrainingOutcome outcome = loop.run(task, params, trainLoader, validLoader);
    stopRequested = false; // a stop request ends one run, not the trainer
    return outcome;
  }

  /**
   * Evaluates a network alone on a validation set (e.g. a student loaded from ckpt_best).
   *
   * @return the student's validation metrics (teacher fields null)
   */
  public static EpochRecord.ValidMetrics evaluate(Block model, BatchSource valid) {
    return ValidationPass.run(model, valid);
  }

  private void emit(Consumer<TrainingProgressListener> event) {
    for (TrainingProgressListener l : listeners) {
      event.accept(l);
    }
  }
}
