package dev.kdflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecDefaultsTest {
  @Test
  void unsetFieldsAndMissingSectionsGetTheInitialisersValues() {
    KDExperimentSpec spec =
        Serialization.unmarshal(
            """
            student: {architecture: mlp}
            training: {maxEpochs: 3, initialLr: 0.1, seed: null, logEveryNSteps: null}
            dataset: {batchSize: null, trainLimit: 100}
            kd: {loss: {labelSmoothing: null, temperature: 4.0}}
            """,
            KDExperimentSpec.class);
    spec.getTraining().setEmaParams(null);
    spec.setCheckpoints(null);

    KDExperimentSpec resolved = SpecDefaults.resolve(spec, KDExperimentSpec.class);

    TrainingSpec expectedTraining = new TrainingSpec();
    expectedTraining.setMaxEpochs(3);
    expectedTraining.setInitialLr(0.1);
    assertThat(resolved.getTraining()).isEqualTo(expectedTraining);
    assertThat(resolved.getTraining().getSeed()).isEqualTo(42L);
    assertThat(resolved.getTraining().getEmaParams()).isEqualTo(new EmaParams());
    DatasetSpec expectedDataset = new DatasetSpec();
    expectedDataset.setTrainLimit(100);
    assertThat(resolved.getDataset()).isEqualTo(expectedDataset);
    LossSpec expectedLoss = new LossSpec();
    expectedLoss.setTemperature(4.0);
    assertThat(resolved.getKd().getLoss()).isEqualTo(expectedLoss);
    assertThat(resolved.getCheckpoints()).isEqualTo(new CheckpointsSpec());
    // "Unset" defaults stay unset, and the input is not changed.
    assertThat(resolved.getTraining().getClipGradNorm()).isNull();
    assertThat(spec.getTraining().getSeed()).isNull();
    assertThat(SpecDefaults.resolve(null, TrainingSpec.class)).isEqualTo(new TrainingSpec());
    assertThat(resolved.getTraining().getOptimizerParams().getBetas())
        .isEqualTo(List.of(0.9, 0.999));
  }
}
