package dev.kdflow.trainer.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kdflow.api.Architectures;
import dev.kdflow.api.validation.InvalidExperimentException;
import dev.kdflow.trainer.checkpoint.Weights;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every catalogue architecture builds and maps images to class logits. */
class ModelsTest {

  static List<Object[]> architectures() {
    return List.of(
        new Object[] {"mlp", Map.of("hiddenSizes", List.of(800, 800)), new Shape(2, 1, 28, 28)},
        new Object[] {"cnn", Map.of(), new Shape(2, 1, 28, 28)},
        new Object[] {"resnet_small", Map.of(), new Shape(2, 1, 28, 28)},
        new Object[] {
          "resnet18", Map.of("numClasses", 10, "smallImageStem", true), new Shape(2, 3, 32, 32)
        },
        new Object[] {
          "resnet34", Map.of("numClasses", 10, "inChannels", 1), new Shape(2, 1, 64, 64)
        },
        new Object[] {"resnet50", Map.of("numClasses", 7), new Shape(2, 3, 64, 64)},
        new Object[] {
          "mobilenet_v2",
          Map.of("numClasses", 10, "smallImageStem", true, "widthMultiplier", 0.5),
          new Shape(2, 3, 32, 32)
        });
  }

  @ParameterizedTest
  @MethodSource("architectures")
  void buildsAndPredictsLogits(String name, Map<String, Object> params, Shape input) {
    try (NDManager m = NDManager.newBaseManager()) {
      Block b = Models.build(name, params, m, input);
      NDList out =
          b.forward(new ParameterStore(m, false), new NDList(m.randomNormal(input)), false);
      int classes = ((Number) Architectures.valueOf(name, params, "numClasses")).intValue();
      assertThat(out.head().getShape()).isEqualTo(new Shape(input.get(0), classes));
      assertThat(Weights.parameters(b)).isNotEmpty();
    }
  }

  @Test
  void mlp784x800x800x10HasTheExpectedParameterCount() {
    try (NDManager m = NDManager.newBaseManager()) {
      Block b = Models.build("mlp", Map.of(), m, new Shape(1, 1, 28, 28));
      long count =
          Weights.parameters(b).values().stream().mapToLong(p -> p.getArray().size()).sum();
      assertThat(count).isEqualTo(784L * 800 + 800 + 800L * 800 + 800 + 800L * 10 + 10);
    }
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    assertThatThrownBy(() -> Models.get("vgg", Map.of()))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e -> assertThat(e.getFieldPath()).isEqualTo("architecture"))
        .hasMessageContaining("unknown architecture 'vgg'")
        .hasMessageContaining(String.join(", ", Architectures.names()));
  }

  @Test
  void wrongParameterTypeOrNameIsNamed() {
    assertThatThrownBy(() -> Models.get("mlp", Map.of("hiddenSizes", 5)))
        .isInstanceOfSatisfying(
            InvalidExperimentException.class,
            e -> assertThat(e.getFieldPath()).isEqualTo("archParams.hiddenSizes"))
        .hasMessageContaining("archParams.hiddenSizes");
    assertThatThrownBy(() -> Models.get("cnn", Map.of("depth", 5)))
        .hasMessageContaining("archParams.depth")
        .hasMessageContaining("accepted");
  }

  @Test
  void explicitInChannelsMustMatchTheData() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(
              () -> Models.build("resnet18", Map.of("inChannels", 3), m, new Shape(1, 1, 28, 28)))
          .hasMessageContaining("inChannels is 3")
          .hasMessageContaining("1 channel");
    }
  }
}
