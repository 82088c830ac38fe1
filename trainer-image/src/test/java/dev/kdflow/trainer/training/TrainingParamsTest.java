package dev.kdflow.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.TrainingSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parameters take the api's defaults, map a spec field by field, and cannot change afterwards. */
class TrainingParamsTest {
  @Test
  void unsetValuesAreTheApiDefaults() {
    TrainingParams built = TrainingParams.builder().maxEpochs(3).initialLr(0.1).build();
    TrainingSpec defaults = new TrainingSpec();
    assertThat(built.seed()).isEqualTo(defaults.getSeed());
    assertThat(built.runValidationFreq()).isEqualTo(defaults.getRunValidationFreq());
    assertThat(built.metricToWatch()).isEqualTo(defaults.getMetricToWatch());
    assertThat(built.spec().getOptimizerParams().getMomentum())
        .isEqualTo(defaults.getOptimizerParams().getMomentum());
    assertThat(built.spec().getEmaParams().getDecay())
        .isEqualTo(defaults.getEmaParams().getDecay());
    assertThat(built.resume()).isFalse();
  }

  @Test
  void aSpecMapsOntoTheSameParametersAsTheBuilder() {
    TrainingSpec spec = new TrainingSpec();
    spec.setMaxEpochs(5);
    spec.setInitialLr(0.02);
    spec.setLrMode(TrainingSpec.LrMode.COSINE);
    spec.setSaveCkptEpochList(List.of(2, 4));
    spec.getOptimizerParams().setNesterov(true);
    TrainingParams built =
        TrainingParams.builder()
            .maxEpochs(5)
            .initialLr(0.02)
            .lrMode(TrainingSpec.LrMode.COSINE)
            .saveCkptEpochList(List.of(2, 4))
            .nesterov(true)
            .build();
    assertThat(TrainingParams.from(spec).toString()).isEqualTo(built.toString());
  }

  @Test
  void laterChangesToTheSpecOrBuilderDoNotReachBuiltParameters() {
    TrainingSpec spec = new TrainingSpec();
    spec.setMaxEpochs(5);
    TrainingParams params = TrainingParams.from(spec);
    spec.setMaxEpochs(7);
    params.spec().setMaxEpochs(9);
    TrainingParams.Builder builder = params.toBuilder();
    TrainingParams other = builder.maxEpochs(11).build();
    builder.maxEpochs(13);
    assertThat(params.maxEpochs()).isEqualTo(5);
    assertThat(other.maxEpochs()).isEqualTo(11);
  }
}
