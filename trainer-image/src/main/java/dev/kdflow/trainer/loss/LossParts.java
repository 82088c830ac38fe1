package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * A loss value and the parts it is made of, each a scalar NDArray. The trainer back-propagates
 * {@code total} and reports every part as a training metric.
 *
 * @param total the value that is minimised
 * @param task the task part (e.g. cross-entropy against the labels)
 * @param distill the distillation part, or null when there is none
 */
public record LossParts(NDArray total, NDArray task, NDArray distill) {

  /** A loss that is only a task loss. */
  public static LossParts taskOnly(NDArray task) {
    return new LossParts(task, task, null);
  }
}
