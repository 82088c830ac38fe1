package dev.kdflow.trainer.loss;

/**
 * A loss whose value depends on the training epoch (DKD's warm-up ramp). The trainer that owns the
 * loss tells it how many epochs are finished, at the start (a resumed run included) and after every
 * epoch; the loss itself knows nothing of the training loop.
 */
public interface EpochAwareLoss {
  /**
   * Sets the number of finished epochs; the epoch being trained is the next one.
   *
   * @param epochs finished epochs, 0 for a fresh start
   */
  void setEpochsDone(int epochs);
}
