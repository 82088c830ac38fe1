package dev.kdflow.trainer.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.Architectures;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.ModelSpec;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.trainer.checkpoint.Weights;
import dev.kdflow.trainer.recipe.ExperimentLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Feature points of every registry network, and the CNN demo's size. */
class FeatureTapsTest {
  private static final Shape INPUT = new Shape(1, 1, 28, 28);

  private static Map<String, Object> params(String arch) {
    return switch (arch) {
      case "mlp" -> Map.of("hiddenSizes", List.of(32, 16), "dropout", 0.1);
      case "cnn" -> Map.of("channels", List.of(4, 8), "hiddenSize", 16, "dropout", 0.1);
      case "resnet_small" -> Map.of("stageChannels", List.of(8, 16), "stageStrides", List.of(1, 2));
      case "mobilenet_v2" ->
          Map.of(
              "inChannels", 1, "numClasses", 10, "widthMultiplier", 0.25, "smallImageStem", true);
      default -> Map.of("inChannels", 1, "numClasses", 10, "smallImageStem", true);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn", "resnet_small", "resnet18", "mobilenet_v2"})
  void everyPointIsTappedInOnePassThatGivesThePlainLogits(String arch) {
    try (NDManager m = NDManager.newBaseManager()) {
      Block net = Models.build(arch, params(arch), m, INPUT);
      List<String> points = Architectures.featurePoints(arch, params(arch));
      FeatureTaps taps = FeatureTaps.of(arch, params(arch), net, points);
      ParameterStore ps = new ParameterStore(m, false);
      NDList x = new NDList(m.randomNormal(new Shape(3, 1, 28, 28)));
      NDList tapped = taps.forward(ps, x, false);
      NDList plain = net.forward(ps, x, false);
      assertThat(tapped).hasSize(points.size() + 1);
      assertThat(tapped.head().toFloatArray()).containsExactly(plain.head().toFloatArray());
      // "logits" is the output itself; "pool" the penultimate vector that the classifier reads
      assertThat(tapped.get(points.indexOf("logits") + 1).toFloatArray())
          .containsExactly(plain.head().toFloatArray());
      for (int i = 0; i < points.size(); i++) {
        assertThat(tapped.get(i + 1).getShape().get(0)).as(points.get(i)).isEqualTo(3);
      }
      if (points.contains(Architectures.POOL_POINT)) {
        assertThat(tapped.get(points.indexOf("pool") + 1).getShape().dimension()).isEqualTo(2);
      }
      if (arch.equals("mlp")) {
        assertThat(tapped.get(1).getShape()).isEqualTo(new Shape(3, 32));
        assertThat(tapped.get(2).getShape()).isEqualTo(new Shape(3, 16));
      }
      if (arch.equals("cnn")) {
        assertThat(tapped.get(1).getShape()).isEqualTo(new Shape(3, 4, 14, 14));
        assertThat(tapped.get(2).getShape()).isEqualTo(new Shape(3, 8, 7, 7));
        assertThat(tapped.get(3).getShape()).isEqualTo(new Shape(3, 16));
      }
    }
  }

  private static long parameters(ModelSpec spec, NDManager m) {
    Block b = Models.build(spec.getArchitecture(), spec.getArchParams(), m, INPUT);
    return Weights.parameters(b).values().stream()
        .filter(Parameter::requiresGradient)
        .mapToLong(p -> p.getArray().getShape().size())
        .sum();
  }

  @ParameterizedTest
  @ValueSource(strings = {"cnn-student.yaml", "two-teachers.yaml"})
  void theCnnDemoStudentHasAtMostATenthOfEachTeachersParameters(String example) {
    KDExperimentSpec spec =
        ExperimentLoader.load(Path.of("..", "examples", "fashion-mnist", example), List.of())
            .experiment()
            .getSpec();
    assertThat(KDExperimentValidator.validateSpec(spec)).isEmpty();
    try (NDManager m = NDManager.newBaseManager()) {
      long student = parameters(spec.getStudent(), m);
      assertThat(student).isEqualTo(14_002);
      for (var teacher : spec.teacherList()) {
        assertThat(student * 10).isLessThanOrEqualTo(parameters(teacher, m));
      }
    }
  }
}
