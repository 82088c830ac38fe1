package dev.kdflow.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.ModelSpec;
import dev.kdflow.trainer.training.LatestState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PreflightTest {

  private static LatestState earlier(String architecture, Map<String, Object> archParams) {
    return new LatestState(
        1, "teacher", architecture, archParams, 3, 1407, "Sgd", 1407, null, null, 1, 3, null);
  }

  private static ModelSpec model(String architecture, Map<String, Object> archParams) {
    ModelSpec m = new ModelSpec();
    m.setArchitecture(architecture);
    m.getArchParams().putAll(archParams);
    return m;
  }

  @Test
  void anotherArchitectureIsAnotherNetwork() {
    assertThat(
            Preflight.otherNetwork(
                earlier("resnet_small", Map.of("inChannels", 1)),
                model("cnn", Map.of("channels", List.of(32, 64)))))
        .isEqualTo("resnet_small, not cnn");
  }

  @Test
  void anArchParamBothNameWithAnotherValueIsAnotherNetwork() {
    assertThat(
            Preflight.otherNetwork(
                earlier("cnn", Map.of("channels", List.of(32, 64), "hiddenSize", 128)),
                model("cnn", Map.of("channels", List.of(8, 16), "hiddenSize", 128))))
        .isEqualTo("cnn with archParams.channels [32,64], not [8,16]");
  }

  @Test
  void aDefaultWrittenOutOrANumberWrittenAnotherWayIsTheSameNetwork() {
    LatestState trained = earlier("cnn", Map.of("channels", List.of(32, 64), "hiddenSize", 128));
    assertThat(
            Preflight.otherNetwork(
                trained,
                model(
                    "cnn",
                    Map.of("channels", List.of(32L, 64L), "hiddenSize", 128.0, "numClasses", 10))))
        .isNull();
  }
}
