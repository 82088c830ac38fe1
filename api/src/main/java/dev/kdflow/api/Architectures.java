package dev.kdflow.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The catalogue of architectures kdflow can build and the parameters each accepts. The trainer's
 * model registry builds exactly these; validators (CLI and operator) check specs against them
 * without needing the trainer.
 */
public final class Architectures {

  /** The JSON type of an architecture parameter. */
  public enum ParamType {
    INT,
    DOUBLE,
    BOOLEAN,
    INT_LIST,
    /** One of the parameter's {@link Param#choices() choices}. */
    CHOICE;

    /** Whether a JSON value (as Jackson binds it) has this type. */
    public boolean accepts(Object v) {
      return switch (this) {
        case INT -> isInt(v);
        case DOUBLE -> v instanceof Number;
        case BOOLEAN -> v instanceof Boolean;
        case INT_LIST ->
            v instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(ParamType::isInt);
        case CHOICE -> v instanceof String;
      };
    }

    /** The type in words, for messages: "an integer", "a number", ... */
    public String description() {
      return switch (this) {
        case INT -> "an integer";
        case DOUBLE -> "a number";
        case BOOLEAN -> "true or false";
        case INT_LIST -> "a non-empty list of integers";
        case CHOICE -> "a string";
      };
    }

    private static boolean isInt(Object v) {
      return v instanceof Integer
          || v instanceof Long
          || v instanceof Short
          || (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()));
    }
  }

  /** The {@code init} value that draws weights as PyTorch's layers do by default. */
  public static final String INIT_PYTORCH = "pytorch";

  /** The {@code init} value that draws weights He-normal with zero biases. */
  public static final String INIT_KAIMING_NORMAL = "kaiming_normal";

  /** The weight initialisation parameter every architecture accepts. */
  public static final String INIT_PARAM = "init";

  /**
   * One accepted parameter.
   *
   * @param name the archParams key
   * @param type the JSON type it must have
   * @param defaultValue the value used when the key is absent
   * @param description what it does
   * @param choices the accepted values of a {@link ParamType#CHOICE} parameter; empty otherwise
   */
  public record Param(
      String name, ParamType type, Object defaultValue, String description, List<String> choices) {

    /** A parameter that is not a choice. */
    public Param(String name, ParamType type, Object defaultValue, String description) {
      this(name, type, defaultValue, description, List.of());
    }
  }

  /**
   * One architecture.
   *
   * @param name the registry name
   * @param description what it is
   * @param params accepted parameters by name
   */
  public record Architecture(String name, String description, Map<String, Param> params) {}

  private static final Map<String, Architecture> CATALOGUE = new LinkedHashMap<>();

  static {
    add(
        "mlp",
        "Multi-layer perceptron on flattened input (e.g. 784-800-800-10 for Fashion-MNIST).",
        new Param("inputSize", ParamType.INT, 784, "Flattened input size."),
        new Param("hiddenSizes", ParamType.INT_LIST, List.of(800, 800), "Hidden layer widths."),
        new Param("numClasses", ParamType.INT, 10, "Number of output classes."),
        new Param("dropout", ParamType.DOUBLE, 0.0, "Dropout after each hidden layer."));
    add(
        "cnn",
        "Small CNN: per stage conv3x3-BN-ReLU-maxpool, then a hidden linear layer.",
        new Param("inChannels", ParamType.INT, 1, "Input channels."),
        new Param("channels", ParamType.INT_LIST, List.of(32, 64), "Channels of each stage."),
        new Param("hiddenSize", ParamType.INT, 128, "Width of the hidden linear layer."),
        new Param("numClasses", ParamType.INT, 10, "Number of output classes."),
        new Param("dropout", ParamType.DOUBLE, 0.0, "Dropout before the classifier."));
    add(
        "resnet_small",
        "Small ResNet for 28x28/32x32 images: conv3x3 stem, one basic block per stage, global"
            + " average pool, linear.",
        new Param("inChannels", ParamType.INT, 1, "Input channels."),
        new Param(
            "stageChannels",
            ParamType.INT_LIST,
            List.of(32, 32, 64, 64),
            "Channels of each residual block."),
        new Param("stageStrides", ParamType.INT_LIST, List.of(1, 1, 2, 1), "Stride of each block."),
        new Param("numClasses", ParamType.INT, 10, "Number of output classes."));
    for (String depth : List.of("18", "34", "50")) {
      add(
          "resnet" + depth,
          "ResNet-" + depth + " (He et al.).",
          new Param("inChannels", ParamType.INT, 3, "Input channels."),
          new Param("numClasses", ParamType.INT, 1000, "Number of output classes."),
          new Param(
              "smallImageStem",
              ParamType.BOOLEAN,
              false,
              "Use a 3x3 stride-1 stem without max-pool (CIFAR/MNIST-sized images)."));
    }
    add(
        "mobilenet_v2",
        "MobileNetV2 (Sandler et al.).",
        new Param("inChannels", ParamType.INT, 3, "Input channels."),
        new Param("numClasses", ParamType.INT, 1000, "Number of output classes."),
        new Param("widthMultiplier", ParamType.DOUBLE, 1.0, "Channel width multiplier."),
        new Param(
            "smallImageStem",
            ParamType.BOOLEAN,
            false,
            "Use a stride-1 stem (CIFAR/MNIST-sized images)."));
  }

  private Architectures() {}

  private static void add(String name, String description, Param... params) {
    Map<String, Param> byName = new LinkedHashMap<>();
    for (Param p : params) {
      byName.put(p.name(), p);
    }
    byName.put(
        INIT_PARAM,
        new Param(
            INIT_PARAM,
            ParamType.CHOICE,
            INIT_PYTORCH,
            "Weight initialisation: pytorch (default; PyTorch's default for Linear and Conv2d:"
                + " weights kaiming_uniform(a=√5), i.e. U(-1/√fan_in, 1/√fan_in), biases"
                + " U(-1/√fan_in, 1/√fan_in)) or kaiming_normal (weights N(0, 2/fan_in), zero"
                + " biases). BatchNorm starts at γ=1, β=0 either way.",
            List.of(INIT_PYTORCH, INIT_KAIMING_NORMAL)));
    CATALOGUE.put(name, new Architecture(name, description, Collections.unmodifiableMap(byName)));
  }

  /** Looks up an architecture by registry name. */
  public static Optional<Architecture> find(String name) {
    return Optional.ofNullable(name).map(CATALOGUE::get);
  }

  /** All registry names, in catalogue order. */
  public static List<String> names() {
    return new ArrayList<>(CATALOGUE.keySet());
  }

  /** Resolves a parameter: the user's value or the catalogue default. */
  public static Object valueOf(String architecture, Map<String, Object> archParams, String param) {
    Architecture arch = CATALOGUE.get(architecture);
    if (arch == null || !arch.params().containsKey(param)) {
      throw new IllegalArgumentException(architecture + " has no parameter " + param);
    }
    Object v = archParams == null ? null : archParams.get(param);
    return v != null ? v : arch.params().get(param).defaultValue();
  }

  /** The feature point every registry network exposes last: its output logits. */
  public static final String LOGITS_POINT = "logits";

  /** The penultimate features (after global pooling or the last hidden layer's activation). */
  public static final String POOL_POINT = "pool";

  /**
   * The named intermediate outputs ("feature points") a registry network exposes for feature
   * distillation hints, in forward order. {@code mlp}: {@code hidden1..hiddenK} (after each hidden
   * layer's ReLU), {@code logits}; {@code cnn}: {@code stage1..stageK} (after each stage's
   * max-pool), {@code hidden}, {@code logits}; {@code resnet_small}: {@code stem}, {@code
   * block1..blockK}, {@code pool} (globally average-pooled, [N, C]), {@code logits}; the other
   * architectures: {@code pool}, {@code logits}.
   *
   * @throws IllegalArgumentException for an unknown architecture
   */
  public static List<String> featurePoints(String architecture, Map<String, Object> archParams) {
    if (!CATALOGUE.containsKey(architecture)) {
      throw new IllegalArgumentException("unknown architecture " + architecture);
    }
    List<String> points = new ArrayList<>();
    switch (architecture) {
      case "mlp" -> {
        int k = listSize(valueOf(architecture, archParams, "hiddenSizes"));
        for (int i = 1; i <= k; i++) {
          points.add("hidden" + i);
        }
      }
      case "cnn" -> {
        int k = listSize(valueOf(architecture, archParams, "channels"));
        for (int i = 1; i <= k; i++) {
          points.add("stage" + i);
        }
        points.add("hidden");
      }
      case "resnet_small" -> {
        points.add("stem");
        int k = listSize(valueOf(architecture, archParams, "stageChannels"));
        for (int i = 1; i <= k; i++) {
          points.add("block" + i);
        }
        points.add(POOL_POINT);
      }
      default -> points.add(POOL_POINT);
    }
    points.add(LOGITS_POINT);
    return points;
  }

  private static int listSize(Object list) {
    return list instanceof List<?> l ? l.size() : 0;
  }
}
