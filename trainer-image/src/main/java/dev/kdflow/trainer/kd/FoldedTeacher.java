package dev.kdflow.trainer.kd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The frozen teacher's inference pass with every BatchNorm that directly follows a convolution
 * folded into that convolution: {@code BN(conv(x, W)) = conv(x, W·s) + (β − μ·s)}, {@code s = γ /
 * √(σ² + ε)}. An eval-mode BatchNorm is an affine map per channel, so the fold gives the same
 * logits up to float rounding and saves one full pass over every such activation (on CPU a
 * BatchNorm costs about as much memory traffic as the convolution's output).
 *
 * <p>Only the structure the registry builds is rewritten: {@link SequentialBlock}s (a convolution
 * followed by a BatchNorm) and {@link ParallelBlock}s (branches rewritten, the same join). Every
 * other block runs its own forward pass. The teacher itself is never modified: its weights,
 * parameter names and checkpoints stay as they are; the folded weights are copies computed once,
 * from the teacher's weights at the first call.
 */
final class FoldedTeacher {
  private static final Field PARALLEL_JOIN = field(ParallelBlock.class, "function");
  private static final Field BN_EPSILON = field(BatchNorm.class, "epsilon");
  private static final Field BN_AXIS = field(BatchNorm.class, "axis");
  private static final Field BN_CENTER = field(BatchNorm.class, "center");
  private static final Field BN_SCALE = field(BatchNorm.class, "scale");

  private final Function<NDList, NDList> graph;
  private final int folded;

  private FoldedTeacher(Function<NDList, NDList> graph, int folded) {
    this.graph = graph;
    this.folded = folded;
  }

  /**
   * Folds a teacher's BatchNorms.
   *
   * @param teacher an initialised teacher whose weights no longer change
   * @param ps parameter store of the teacher's own forward pass (for the blocks run as they are)
   * @param manager owns the folded weights
   * @return the folded teacher, or null when nothing could be folded
   */
  static FoldedTeacher of(Block teacher, ParameterStore ps, NDManager manager) {
    int[] count = {0};
    Function<NDList, NDList> graph = compile(teacher, ps, manager, count);
    return count[0] == 0 ? null : new FoldedTeacher(graph, count[0]);
  }

  /** The teacher's output for an input (autograd must be off). */
  NDList forward(NDList inputs) {
    return graph.apply(inputs);
  }

  /** BatchNorms folded into a convolution. */
  int foldedCount() {
    return folded;
  }

  private static Function<NDList, NDList> compile(
      Block block, ParameterStore ps, NDManager manager, int[] count) {
    if (block.getClass() == SequentialBlock.class) {
      List<Block> children = new ArrayList<>(block.getChildren().values());
      List<Function<NDList, NDList>> steps = new ArrayList<>();
      for (int i = 0; i < children.size(); i++) {
        Block child = children.get(i);
        if (i + 1 < children.size()) {
          Function<NDList, NDList> fused = fold(child, children.get(i + 1), manager);
          if (fused != null) {
            steps.add(fused);
            count[0]++;
            i++;
            continue;
          }
        }
        steps.add(compile(child, ps, manager, count));
      }
      return x -> {
        NDList out = x;
        for (Function<NDList, NDList> step : steps) {
          out = step.apply(out);
        }
        return out;
      };
    }
    if (block.getClass() == ParallelBlock.class && PARALLEL_JOIN != null) {
      Function<List<NDList>, NDList> join = get(PARALLEL_JOIN, block);
      if (join != null) {
        List<Function<NDList, NDList>> branches = new ArrayList<>();
        for (Block child : block.getChildren().values()) {
          branches.add(compile(child, ps, manager, count));
        }
        return x -> {
          List<NDList> outs = new ArrayList<>(branches.size());
          for (Function<NDList, NDList> branch : branches) {
            outs.add(branch.apply(x));
          }
          return join.apply(outs);
        };
      }
    }
    return x -> block.forward(ps, x, false);
  }

  /** {@code conv} then {@code bn} as one convolution, or null when they cannot be folded. */
  private static Function<NDList, NDList> fold(Block conv, Block bn, NDManager manager) {
    if (!(conv instanceof Convolution c) || !(bn instanceof BatchNorm)) {
      return null;
    }
    Float epsilon = get(BN_EPSILON, bn);
    Integer axis = get(BN_AXIS, bn);
    Boolean center = get(BN_CENTER, bn);
    Boolean scaled = get(BN_SCALE, bn);
    Parameter gamma = param(bn, "gamma");
    Parameter beta = param(bn, "beta");
    Parameter mean = param(bn, "runningMean");
    Parameter var = param(bn, "runningVar");
    Parameter weight = param(conv, "weight");
    if (epsilon == null
        || axis == null
        || axis != 1
        || !Boolean.TRUE.equals(center)
        || !Boolean.TRUE.equals(scaled)
        || gamma == null
        || beta == null
        || mean == null
        || var == null
        || weight == null) {
      return null;
    }
    Parameter bias = c.isIncludeBias() ? param(conv, "bias") : null;
    NDArray w = weight.getArray();
    NDArray foldedWeight;
    NDArray foldedBias;
    // the float64 intermediates are freed with the scope; only the folded arrays are kept
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      // float64 so that the folded weights are the exact product rounded once
      NDArray scale =
          gamma
              .getArray()
              .toType(DataType.FLOAT64, true)
              .div(var.getArray().toType(DataType.FLOAT64, true).add(epsilon.doubleValue()).sqrt());
      NDArray shift = beta.getArray().toType(DataType.FLOAT64, true);
      NDArray m = mean.getArray().toType(DataType.FLOAT64, true);
      if (bias != null) {
        m = m.sub(bias.getArray().toType(DataType.FLOAT64, true));
      }
      long[] perFilter = new long[w.getShape().dimension()];
      perFilter[0] = -1;
      for (int d = 1; d < perFilter.length; d++) {
        perFilter[d] = 1;
      }
      foldedWeight =
          w.toType(DataType.FLOAT64, true)
              .mul(scale.reshape(perFilter))
              .toType(w.getDataType(), false);
      foldedBias = shift.sub(m.mul(scale)).toType(w.getDataType(), false);
      NDScope.unregister(foldedWeight, foldedBias);
    }
    foldedWeight.attach(manager);
    foldedBias.attach(manager);
    return x -> {
      NDArray in = x.singletonOrThrow();
      return in.getNDArrayInternal()
          .convolution(
              in,
              foldedWeight,
              foldedBias,
              c.getStride(),
              c.getPadding(),
              c.getDilation(),
              c.getGroups());
    };
  }

  private static Parameter param(Block block, String name) {
    return block.getParameters().contains(name) ? block.getParameters().get(name) : null;
  }

  private static Field field(Class<?> type, String name) {
    try {
      Field f = type.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      // another DJL version: those blocks then simply run unfolded
      return null;
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T get(Field field, Object target) {
    try {
      return field == null ? null : (T) field.get(target);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
