package dev.kdflow.trainer.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import dev.kdflow.api.Architectures;

/**
 * How the registry draws a network's first weights.
 *
 * <ul>
 *   <li>{@code pytorch} (default): PyTorch's defaults for {@code nn.Linear} and {@code nn.Conv2d},
 *       which SuperGradients' models inherit: weights {@code kaiming_uniform_(a=√5)}, i.e.
 *       U(−1/√fan_in, 1/√fan_in), and biases U(−1/√fan_in, 1/√fan_in), fan_in = input features ×
 *       kernel area (per group);
 *   <li>{@code kaiming_normal}: He-normal weights N(0, 2/fan_in) and zero biases.
 * </ul>
 *
 * BatchNorm starts at γ = 1, β = 0 (running mean 0, variance 1) either way, as in PyTorch.
 */
final class Initialization {
  private Initialization() {}

  /** Initialises every parameter of {@code block} for inputs of {@code inputShape}. */
  static void apply(String init, Block block, NDManager manager, Shape inputShape) {
    if (Architectures.INIT_KAIMING_NORMAL.equals(init)) {
      block.setInitializer(
          new XavierInitializer(
              XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2),
          Parameter.Type.WEIGHT);
      block.initialize(manager, DataType.FLOAT32, inputShape);
      return;
    }
    if (!Architectures.INIT_PYTORCH.equals(init)) {
      throw new IllegalArgumentException(
          "archParams.init must be one of "
              + Architectures.INIT_PYTORCH
              + ", "
              + Architectures.INIT_KAIMING_NORMAL
              + ", got '"
              + init
              + "'");
    }
    // A weight's initializer sees its own shape, so fan_in is known; a bias's sees only [out],
    // so biases are drawn in a second pass from their layer's weight shape.
    block.setInitializer(Initialization::fanInUniform, Parameter.Type.WEIGHT);
    block.initialize(manager, DataType.FLOAT32, inputShape);
    redrawBiases(block, manager);
  }

  /** U(−1/√fan_in, 1/√fan_in) for a weight of shape [out, in/groups, k...]. */
  private static NDArray fanInUniform(NDManager manager, Shape shape, DataType dataType) {
    float bound = bound(shape);
    return manager.randomUniform(-bound, bound, shape, dataType);
  }

  private static float bound(Shape weightShape) {
    long fanIn = weightShape.size() / weightShape.get(0);
    return (float) (1.0 / Math.sqrt(fanIn));
  }

  private static void redrawBiases(Block block, NDManager manager) {
    Parameter weight = null;
    Parameter bias = null;
    for (Parameter p : block.getDirectParameters().values()) {
      if (p.getType() == Parameter.Type.WEIGHT) {
        weight = p;
      } else if (p.getType() == Parameter.Type.BIAS) {
        bias = p;
      }
    }
    if (weight != null && bias != null && bias.isInitialized()) {
      float bound = bound(weight.getArray().getShape());
      Shape shape = bias.getArray().getShape();
      DataType type = bias.getArray().getDataType();
      Initializer uniform = (m, s, t) -> m.randomUniform(-bound, bound, s, t);
      bias.close();
      bias.setInitializer(uniform);
      bias.initialize(manager, type);
      if (!bias.getArray().getShape().equals(shape)) {
        throw new IllegalStateException("bias " + bias.getName() + " changed shape");
      }
    }
    for (Block child : block.getChildren().values()) {
      redrawBiases(child, manager);
    }
  }
}
