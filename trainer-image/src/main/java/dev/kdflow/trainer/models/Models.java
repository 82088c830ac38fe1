package dev.kdflow.trainer.models;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import dev.kdflow.api.Architectures;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.api.validation.KDExperimentValidator;
import java.util.List;
import java.util.Map;

/**
 * The model registry: builds exactly the architectures of {@link Architectures}' catalogue from
 * their arch params (missing keys take the catalogue's defaults). Every network takes NCHW float
 * input and returns logits [N, numClasses].
 */
public final class Models {
  private Models() {}

  /**
   * Builds an uninitialised network.
   *
   * @param name registry name, e.g. {@code mlp}, {@code resnet18}
   * @param archParams the architecture's parameters (may be null or empty)
   * @throws InvalidExperimentException for an unknown name (the message lists the known names) or
   *     parameters of the wrong name or type, with the same field paths and words as a manifest's
   *     ({@code architecture}, {@code archParams.<key>})
   */
  public static Block get(String name, Map<String, Object> archParams) {
    check(name, archParams);
    P p = new P(name, archParams);
    return switch (name) {
      case "mlp" -> mlp(p.ints("hiddenSizes"), p.integer("numClasses"), p.dbl("dropout"));
      case "cnn" ->
          cnn(
              p.ints("channels"),
              p.integer("hiddenSize"),
              p.integer("numClasses"),
              p.dbl("dropout"));
      case "resnet_small" ->
          resnetSmall(p.ints("stageChannels"), p.ints("stageStrides"), p.integer("numClasses"));
      case "resnet18" -> resnet(false, new int[] {2, 2, 2, 2}, p);
      case "resnet34" -> resnet(false, new int[] {3, 4, 6, 3}, p);
      case "resnet50" -> resnet(true, new int[] {3, 4, 6, 3}, p);
      case "mobilenet_v2" ->
          MobileNetV2.build(
              p.integer("numClasses"), p.dbl("widthMultiplier"), p.bool("smallImageStem"));
      default -> throw new IllegalArgumentException(unknown(name));
    };
  }

  /**
   * Builds and initialises a network for inputs of the given shape (parameters drawn from the
   * engine's random generator: seed it first for reproducible weights), as arch param {@code init}
   * says: PyTorch's default initialisation unless it is {@code kaiming_normal} (see {@link
   * Initialization}).
   *
   * @param inputShape one batch's shape, NCHW (the batch size may be 1)
   * @throws IllegalArgumentException when explicitly given {@code inChannels} / {@code inputSize}
   *     disagree with the data
   */
  public static Block build(
      String name, Map<String, Object> archParams, NDManager manager, Shape inputShape) {
    Block block = get(name, archParams);
    checkInput(name, archParams, inputShape);
    Initialization.apply(
        (String) Architectures.valueOf(name, archParams, Architectures.INIT_PARAM),
        block,
        manager,
        inputShape);
    return block;
  }

  /** Registry names. */
  public static List<String> names() {
    return Architectures.names();
  }

  /** The rule set a manifest's architecture goes through, for callers that build in Java. */
  private static void check(String name, Map<String, Object> archParams) {
    InvalidExperimentException.throwIfErrors(
        KDExperimentValidator.validateArchitecture("", name, archParams));
  }

  private static String unknown(String name) {
    return "unknown architecture '" + name + "'; known: " + String.join(", ", names());
  }

  private static void checkInput(String name, Map<String, Object> archParams, Shape input) {
    if (input.dimension() != 4) {
      throw new IllegalArgumentException("input must be NCHW, got shape " + input);
    }
    Map<String, Object> given = archParams == null ? Map.of() : archParams;
    if (given.get("inChannels") instanceof Number n && n.longValue() != input.get(1)) {
      throw new IllegalArgumentException(
          "archParams.inChannels is " + n + " but the data has " + input.get(1) + " channel(s)");
    }
    long flat = input.get(1) * input.get(2) * input.get(3);
    if ("mlp".equals(name) && given.get("inputSize") instanceof Number n && n.longValue() != flat) {
      throw new IllegalArgumentException(
          "archParams.inputSize is " + n + " but one image has " + flat + " values");
    }
  }

  static Block mlp(int[] hiddenSizes, int numClasses, double dropout) {
    SequentialBlock net = new SequentialBlock().add(Blocks.batchFlattenBlock());
    for (int h : hiddenSizes) {
      net.add(Linear.builder().setUnits(h).build()).add(Activation.reluBlock());
      if (dropout > 0) {
        net.add(Dropout.builder().optRate((float) dropout).build());
      }
    }
    return net.add(Linear.builder().setUnits(numClasses).build());
  }

  static Block cnn(int[] channels, int hiddenSize, int numClasses, double dropout) {
    SequentialBlock net = new SequentialBlock();
    for (int c : channels) {
      net.add(Layers.convBnRelu(c, 3, 1)).add(Pool.maxPool2dBlock(new Shape(2, 2)));
    }
    net.add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(hiddenSize).build())
        .add(Activation.reluBlock());
    if (dropout > 0) {
      net.add(Dropout.builder().optRate((float) dropout).build());
    }
    return net.add(Linear.builder().setUnits(numClasses).build());
  }

  static Block resnetSmall(int[] stageChannels, int[] stageStrides, int numClasses) {
    if (stageChannels.length != stageStrides.length) {
      throw new IllegalArgumentException(
          "archParams.stageStrides must have one entry per stageChannels entry ("
              + stageChannels.length
              + "), got "
              + stageStrides.length);
    }
    SequentialBlock net = new SequentialBlock().add(Layers.convBnRelu(stageChannels[0], 3, 1));
    int in = stageChannels[0];
    for (int i = 0; i < stageChannels.length; i++) {
      net.add(Layers.basicBlock(in, stageChannels[i], stageStrides[i]));
      in = stageChannels[i];
    }
    return head(net, numClasses);
  }

  static Block resnet(boolean bottleneck, int[] blocksPerStage, P p) {
    SequentialBlock net = new SequentialBlock();
    if (p.bool("smallImageStem")) {
      net.add(Layers.convBnRelu(64, 3, 1));
    } else {
      net.add(Layers.convBnRelu(64, 7, 2))
          .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
    }
    int in = 64;
    int[] widths = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; stage++) {
      for (int b = 0; b < blocksPerStage[stage]; b++) {
        int stride = b == 0 && stage > 0 ? 2 : 1;
        if (bottleneck) {
          net.add(Layers.bottleneck(in, widths[stage], stride));
          in = widths[stage] * 4;
        } else {
          net.add(Layers.basicBlock(in, widths[stage], stride));
          in = widths[stage];
        }
      }
    }
    return head(net, p.integer("numClasses"));
  }

  /** Global average pool, flatten, linear classifier. */
  static Block head(SequentialBlock net, int numClasses) {
    return net.add(Pool.globalAvgPool2dBlock())
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(numClasses).build());
  }

  /** Typed access to arch params with catalogue defaults. */
  static final class P {
    private final String arch;
    private final Map<String, Object> params;

    P(String arch, Map<String, Object> params) {
      this.arch = arch;
      this.params = params;
    }

    Object raw(String key) {
      return Architectures.valueOf(arch, params, key);
    }

    int integer(String key) {
      return ((Number) raw(key)).intValue();
    }

    double dbl(String key) {
      return ((Number) raw(key)).doubleValue();
    }

    boolean bool(String key) {
      return (Boolean) raw(key);
    }

    int[] ints(String key) {
      return ((List<?>) raw(key)).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }
  }
}
