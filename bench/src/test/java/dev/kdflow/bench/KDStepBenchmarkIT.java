package dev.kdflow.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kdflow.api.DatasetSpec;
import dev.kdflow.trainer.data.FashionMnist;
import dev.kdflow.trainer.data.ImageData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each mode of the KD step benchmark runs a few steps and prints the reference's JSON fields. The
 * times themselves are the benchmark's business, not a test's.
 */
class KDStepBenchmarkIT {
  private static final List<String> FIELDS =
      List.of(
          "impl",
          "mode",
          "device",
          "threads",
          "batch",
          "ms_per_step_reps",
          "median_ms_per_step",
          "img_per_s");

  @ParameterizedTest
  @ValueSource(strings = {"full", "teacher", "student"})
  void everyModeReportsTheReferenceFields(String mode) throws IOException {
    // two small batches and a partial one: the timed steps wrap around the whole batches, as the
    // reference's do, and the partial batch is left out
    ImageData data =
        FashionMnist.load(Path.of(DatasetSpec.DEFAULT_FASHION_MNIST_PATH), true, new DatasetSpec())
            .limit(2 * 32 + 10);
    KDStepBenchmark.Settings s =
        new KDStepBenchmark.Settings(mode, 1, 2, 1, 2, null, null, 32, null, null, "cpu");
    ObjectNode out = KDStepBenchmark.run(s, data);

    List<String> names = new java.util.ArrayList<>();
    out.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactlyElementsOf(FIELDS);
    assertThat(out.get("impl").asText()).startsWith("kdflow-djl-");
    assertThat(out.get("mode").asText()).isEqualTo(mode);
    assertThat(out.get("threads").asInt()).isEqualTo(1);
    assertThat(out.get("batch").asInt()).isEqualTo(32);
    JsonNode reps = out.get("ms_per_step_reps");
    assertThat(reps.isArray()).isTrue();
    assertThat(reps).hasSize(2).allMatch(v -> v.isNumber() && v.asDouble() > 0);
    double median = out.get("median_ms_per_step").asDouble();
    assertThat(median).isPositive();
    // both figures are printed rounded (median to 1 µs, images/s to 0.1, which is more than 0.1 %
    // of a small figure on a loaded machine)
    double expected = 32 / median * 1000;
    assertThat(out.get("img_per_s").asDouble())
        .isCloseTo(expected, org.assertj.core.api.Assertions.within(0.05 + expected * 0.001));
  }

  @Test
  void commandLineTakesTheReferenceFlags() {
    KDStepBenchmark.Settings s =
        KDStepBenchmark.parse(
            new String[] {"student", "--threads", "3", "--steps", "7", "--warmup", "2"});
    assertThat(s)
        .isEqualTo(
            new KDStepBenchmark.Settings(
                "student", 3, 7, 2, 3, null, null, 256, null, null, "cpu"));
    assertThat(KDStepBenchmark.parse(new String[] {"teacher", "--batch", "1024"}).batch())
        .isEqualTo(1024);
  }

  @Test
  void gpuDeviceWithoutGpuFailsInsteadOfRunningOnTheCpu() throws IOException {
    assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "a GPU is visible here");
    ImageData data =
        FashionMnist.load(Path.of(DatasetSpec.DEFAULT_FASHION_MNIST_PATH), true, new DatasetSpec())
            .limit(32);
    KDStepBenchmark.Settings s = KDStepBenchmark.parse(new String[] {"student", "--device", "gpu"});
    assertThatThrownBy(() -> KDStepBenchmark.run(s, data))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sees no GPU")
        .hasMessageContaining("never falls back to the CPU");
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> KDStepBenchmark.parse(new String[] {"full", "--device", "tpu"}))
        .hasMessageContaining("--device must be cpu or gpu");
    assertThatThrownBy(() -> KDStepBenchmark.parse(new String[] {"fast"}))
        .hasMessageContaining("full, teacher or student");
    assertThatThrownBy(() -> KDStepBenchmark.parse(new String[] {"full", "--warmup", "0"}))
        .hasMessageContaining(">= 1");
    assertThatThrownBy(() -> KDStepBenchmark.parse(new String[] {"full", "--speed", "1"}))
        .hasMessageContaining("--speed");
  }
}
