package dev.kdflow.trainer.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.Architectures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named intermediate outputs ("feature points", {@link Architectures#featurePoints}) of a
 * registry network, read while it runs. Every registry network is a {@link SequentialBlock}; a
 * feature point is the output of one of its top-level children, so a tapped forward pass runs the
 * children in order, exactly as {@code SequentialBlock} does, and keeps the outputs asked for.
 */
public final class FeatureTaps {
  private final SequentialBlock network;
  private final int[] after;

  private FeatureTaps(SequentialBlock network, int[] after) {
    this.network = network;
    this.after = after;
  }

  /**
   * Taps for the given points of a registry network built by {@link Models}.
   *
   * @throws IllegalArgumentException for a point the architecture does not have (the message lists
   *     the valid ones)
   */
  public static FeatureTaps of(
      String architecture, Map<String, Object> archParams, Block network, List<String> points) {
    if (!(network instanceof SequentialBlock sequential)) {
      throw new IllegalArgumentException(architecture + " is not a sequential registry network");
    }
    Map<String, Integer> indices = indices(architecture, archParams, sequential);
    int[] after = new int[points.size()];
    for (int i = 0; i < points.size(); i++) {
      Integer index = indices.get(points.get(i));
      if (index == null) {
        throw new IllegalArgumentException(
            "unknown feature point '"
                + points.get(i)
                + "' of "
                + architecture
                + "; valid: "
                + String.join(", ", indices.keySet()));
      }
      after[i] = index;
    }
    return new FeatureTaps(sequential, after);
  }

  /**
   * The top-level child index whose output is each feature point, in {@link
   * Architectures#featurePoints} order.
   */
  static Map<String, Integer> indices(
      String architecture, Map<String, Object> archParams, SequentialBlock network) {
    List<Block> children = new ArrayList<>(network.getChildren().values());
    int last = children.size() - 1;
    Map<String, Integer> out = new LinkedHashMap<>();
    Models.P p = new Models.P(architecture, archParams);
    switch (architecture) {
      case "mlp" -> {
        // flatten, then per hidden layer: linear, relu[, dropout]
        int perLayer = p.dbl("dropout") > 0 ? 3 : 2;
        int[] hidden = p.ints("hiddenSizes");
        for (int i = 0; i < hidden.length; i++) {
          out.put("hidden" + (i + 1), 2 + i * perLayer);
        }
      }
      case "cnn" -> {
        // per stage: conv-bn-relu, max-pool; then flatten, linear, relu
        int stages = p.ints("channels").length;
        for (int i = 0; i < stages; i++) {
          out.put("stage" + (i + 1), 2 * i + 1);
        }
        out.put("hidden", 2 * stages + 2);
      }
      case "resnet_small" -> {
        // stem, one block per stage, global pool, flatten, linear
        out.put("stem", 0);
        int blocks = p.ints("stageChannels").length;
        for (int i = 1; i <= blocks; i++) {
          out.put("block" + i, i);
        }
        out.put(Architectures.POOL_POINT, blocks + 2);
      }
      default -> {
        int pool = last - 1;
        while (pool > 0 && children.get(pool) instanceof Dropout) {
          pool--;
        }
        out.put(Architectures.POOL_POINT, pool);
      }
    }
    out.put(Architectures.LOGITS_POINT, last);
    List<String> expected = Architectures.featurePoints(architecture, archParams);
    if (!expected.equals(new ArrayList<>(out.keySet()))) {
      throw new IllegalStateException(
          architecture + " feature points " + out.keySet() + " differ from " + expected);
    }
    return out;
  }

  /** Runs the network and returns its output first, then the tapped features in the order asked. */
  public NDList forward(ParameterStore ps, NDList inputs, boolean training) {
    List<Block> children = new ArrayList<>(network.getChildren().values());
    NDList[] taps = new NDList[after.length];
    NDList current = inputs;
    for (int i = 0; i < children.size(); i++) {
      current = children.get(i).forward(ps, current, training);
      for (int k = 0; k < after.length; k++) {
        if (after[k] == i) {
          taps[k] = current;
        }
      }
    }
    NDList out = new NDList(current.head());
    for (NDList t : taps) {
      out.add(t.head());
    }
    return out;
  }

  /**
   * A FitNets regressor from a student feature onto a teacher feature, PyTorch-initialised: a 1×1
   * convolution (with bias) between feature maps of the same height and width, a linear layer
   * between vectors.
   *
   * @param studentFeature the student feature's shape, [N, C, H, W] or [N, D]
   * @param teacherFeature the teacher feature's shape, of the same rank
   * @throws IllegalArgumentException when the shapes cannot be regressed onto each other (message
   *     gives both)
   */
  public static Block regressor(Shape studentFeature, Shape teacherFeature, NDManager manager) {
    Block block;
    if (studentFeature.dimension() == 4 && teacherFeature.dimension() == 4) {
      if (studentFeature.get(2) != teacherFeature.get(2)
          || studentFeature.get(3) != teacherFeature.get(3)) {
        throw new IllegalArgumentException(
            "feature maps of different size: student "
                + studentFeature
                + ", teacher "
                + teacherFeature
                + "; pick points with the same height and width");
      }
      block =
          Conv2d.builder()
              .setFilters((int) teacherFeature.get(1))
              .setKernelShape(new Shape(1, 1))
              .build();
    } else if (studentFeature.dimension() == 2 && teacherFeature.dimension() == 2) {
      block = Linear.builder().setUnits(teacherFeature.get(1)).build();
    } else {
      throw new IllegalArgumentException(
          "student "
              + studentFeature
              + " and teacher "
              + teacherFeature
              + " must both be feature maps [N, C, H, W] or both vectors [N, D]");
    }
    Initialization.apply(
        Architectures.INIT_PYTORCH, block, manager, new Shape(1).addAll(studentFeature.slice(1)));
    return block;
  }
}
