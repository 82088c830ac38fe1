package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * A knowledge-distillation loss: receives the whole {@link KDOutput} (student output first, then
 * the teacher's), so a custom KD module that returns intermediate outputs can be paired with a
 * custom loss that uses them.
 */
@FunctionalInterface
public interface KDLoss {
  /**
   * Computes the loss.
   *
   * @param output student and teacher outputs of one batch
   * @param labels class indices, int64, shape [N]
   * @return the loss and its parts
   */
  LossParts compute(KDOutput output, NDArray labels);
}
