package dev.kdflow.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which recorded runs are of another network: what {@code kdflow run} and a resume refuse. */
class LatestStateTest {

  private static LatestState earlier(String architecture, Map<String, Object> archParams) {
    return new LatestState(
        1, "teacher", architecture, archParams, 3, 1407, "Sgd", 1407, null, null, 1, 3, null);
  }

  @Test
  void anotherArchitectureIsAnotherNetwork() {
    assertThat(
            earlier("resnet_small", Map.of("inChannels", 1))
                .otherNetwork("cnn", Map.of("channels", List.of(32, 64))))
        .contains("resnet_small, not cnn");
  }

  @Test
  void anArchParamBothNameWithAnotherValueIsAnotherNetwork() {
    assertThat(
            earlier("cnn", Map.of("channels", List.of(32, 64), "hiddenSize", 128))
                .otherNetwork("cnn", Map.of("channels", List.of(8, 16), "hiddenSize", 128)))
        .contains("cnn with archParams.channels [32,64], not [8,16]");
  }

  @Test
  void aDefaultWrittenOutOrANumberWrittenAnotherWayIsTheSameNetwork() {
    LatestState trained = earlier("cnn", Map.of("channels", List.of(32, 64), "hiddenSize", 128));
    assertThat(
            trained.otherNetwork(
                "cnn",
                Map.of("channels", List.of(32L, 64L), "hiddenSize", 128.0, "numClasses", 10)))
        .isEmpty();
  }

  @Test
  void aRunWithoutARegistryArchitectureIsNotCompared() {
    assertThat(earlier(null, Map.of()).otherNetwork("cnn", Map.of())).isEmpty();
    assertThat(earlier("cnn", Map.of()).otherNetwork(null, null)).isEmpty();
  }
}
