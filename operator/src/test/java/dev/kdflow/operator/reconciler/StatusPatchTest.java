package dev.kdflow.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

class StatusPatchTest {
  @Test
  void theStatusPatchCarriesNoSpec() {
    KDExperiment kdx = Experiments.kd("x");
    KDExperimentStatus status = new KDExperimentStatus();
    status.setPhase(KDExperimentStatus.Phase.RUNNING);
    KDExperiment patch = KDExperimentReconciler.withStatus(kdx, status);
    String json = Serialization.asJson(patch);
    assertThat(json).doesNotContain("\"spec\"");
    assertThat(json).contains("\"status\"");
    assertThat(Serialization.asJson(patch)).contains("\"phase\":\"Running\"");
  }
}
