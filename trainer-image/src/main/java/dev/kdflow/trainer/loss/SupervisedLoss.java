package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** A loss between a network's output and the labels (plain supervised training). */
@FunctionalInterface
public interface SupervisedLoss {
  /**
   * Computes the loss.
   *
   * @param output the network's output; the logits are {@code output.head()}
   * @param labels class indices, int64, shape [N]
   * @return the loss and its parts
   */
  LossParts compute(NDList output, NDArray labels);
}
