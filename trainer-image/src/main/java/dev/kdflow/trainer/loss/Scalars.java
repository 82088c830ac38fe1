package dev.kdflow.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplication and division by a constant for arrays on the autograd tape: every loss term uses
 * these instead of DJL's {@code NDArray.mul(Number)} / {@code div(Number)}.
 *
 * <p>Why: DJL 0.36's PyTorch engine turns the number into a 0-d tensor over a Java direct buffer
 * ({@code torch::from_blob}, memory the JVM owns), runs the operation, and closes that tensor at
 * once. Multiplication and division save the constant for the backward pass, so autograd keeps
 * pointing at the buffer after DJL dropped its last Java reference; once the garbage collector has
 * freed it and the memory was handed out again (another thread decoding images, say), backward
 * reads whatever is there now and the gradient (and with it the weights) turns into garbage or NaN,
 * at a step that differs from run to run. Here the constant is made by the engine ({@code
 * torch::full}, memory libtorch owns and reference-counts), so the saved tensor stays valid however
 * early the Java side lets go. Addition and subtraction save no operand and need no such care.
 */
public final class Scalars {
  private Scalars() {}

  /** {@code x * value}, safe to differentiate. */
  public static NDArray times(NDArray x, double value) {
    try (NDArray c = constant(x, value)) {
      return x.mul(c);
    }
  }

  /** {@code x / value}, safe to differentiate. */
  public static NDArray dividedBy(NDArray x, double value) {
    try (NDArray c = constant(x, value)) {
      return x.div(c);
    }
  }

  /** A 0-d array of {@code x}'s type and device holding {@code value}, in the engine's memory. */
  static NDArray constant(NDArray x, double value) {
    return x.getManager().full(new Shape(), (float) value, x.getDataType());
  }
}
