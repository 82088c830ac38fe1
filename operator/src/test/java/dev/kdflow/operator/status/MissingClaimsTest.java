package dev.kdflow.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.PodTemplateOverrides;
import dev.kdflow.api.StorageSpec;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MissingClaimsTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private final KDExperiment kdx = Experiments.kd("fmnist");

  MissingClaimsTest() {
    StorageSpec storage = new StorageSpec();
    storage.setExistingClaim("shared-checkpoints");
    kdx.getSpec().setStorage(storage);
    PodTemplateOverrides overrides = new PodTemplateOverrides();
    overrides.setVolumes(
        List.of(
            new VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build(),
            new VolumeBuilder()
                .withName("dataset")
                .withNewPersistentVolumeClaim("imagenette", true)
                .build()));
    kdx.getSpec().setPodTemplate(overrides);
  }

  @Test
  void theCheckpointClaimAndDatasetClaimsAreNamedByTheirFields() {
    assertThat(MissingClaims.namedClaims(kdx.getSpec()))
        .containsExactly(
            java.util.Map.entry("spec.storage.existingClaim", "shared-checkpoints"),
            java.util.Map.entry(
                "spec.podTemplate.volumes[1].persistentVolumeClaim.claimName", "imagenette"));
  }

  @Test
  void aMissingExistingClaimKeepsTheExperimentPendingWithTheClaimNamed() {
    KDExperimentStatus s = MissingClaims.waiting(kdx, Set.of("imagenette")::contains, NOW).get();
    assertThat(s.getPhase()).isEqualTo(Phase.PENDING);
    assertThat(s.condition(KDExperimentStatus.READY).get())
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo(MissingClaims.CLAIM_NOT_FOUND);
              assertThat(c.getMessage())
                  .startsWith("spec.storage.existingClaim: PersistentVolumeClaim")
                  .contains("'shared-checkpoints'", "namespace 'ml'", "storage.size");
            });
    assertThat(s.condition(KDExperimentStatus.STALLED).get().getStatus())
        .as("a claim can still appear: not stalled")
        .isEqualTo("False");
    assertThat(MissingClaims.isWaiting(s)).isTrue();
  }

  @Test
  void aMissingDatasetClaimIsNamedByItsVolume() {
    KDExperimentStatus s =
        MissingClaims.waiting(kdx, Set.of("shared-checkpoints")::contains, NOW).get();
    assertThat(s.condition(KDExperimentStatus.READY).get().getMessage())
        .startsWith("spec.podTemplate.volumes[1].persistentVolumeClaim.claimName")
        .contains("'imagenette'")
        .doesNotContain("storage.size");
  }

  @Test
  void nothingWaitsWhenEveryClaimExists() {
    assertThat(
            MissingClaims.waiting(kdx, Set.of("shared-checkpoints", "imagenette")::contains, NOW))
        .isEmpty();
    kdx.getSpec().setStorage(null);
    kdx.getSpec().setPodTemplate(null);
    assertThat(MissingClaims.waiting(kdx, name -> false, NOW)).isEmpty();
  }

  @Test
  void anUnchangedWaitWritesTheSameStatus() {
    KDExperimentStatus first = MissingClaims.waiting(kdx, name -> false, NOW).get();
    kdx.setStatus(first);
    assertThat(MissingClaims.waiting(kdx, name -> false, NOW.plusSeconds(60)).get())
        .isEqualTo(first);
  }
}
