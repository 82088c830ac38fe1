package dev.kdflow.trainer.training;

/**
 * Receives a training run's progress: for progress bars, metrics files and status endpoints. Called
 * on the training thread; keep the work short.
 */
public interface TrainingProgressListener {
  /**
   * The run starts.
   *
   * @param start what runs, and the epoch it resumes from (null for a fresh start)
   */
  default void onStart(StartRecord start) {}

  /** After every optimizer step. */
  default void onStep(StepRecord step) {}

  /** After every epoch (validation and checkpoints of the epoch done). */
  default void onEpochEnd(EpochRecord epoch) {}

  /** The run ends: succeeded, failed or stopped. */
  default void onEnd(EndRecord end) {}
}
