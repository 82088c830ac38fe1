package dev.kdflow.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.operator.status.MissingClaims;
import dev.kdflow.operator.testing.ControlPlane;
import dev.kdflow.operator.testing.OperatorInNamespace;
import dev.kdflow.operator.testing.RealCluster;
import dev.kdflow.operator.testing.RealCluster.TestNamespace;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Checkpoint claims on a real API server with the real garbage collector: a claim the spec names
 * but that does not exist is reported, not waited on in silence; a claim the operator created
 * outlives its experiment unless storage.claimRetention says Delete.
 */
@RealCluster
class CheckpointClaimOnApiServerIT {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  static final String KD =
      """
      apiVersion: kdflow.dev/v1alpha1
      kind: KDExperiment
      metadata:
        name: %s
      spec:
        student: {architecture: mlp, archParams: {hiddenSizes: [64], numClasses: 10}}
        training: {maxEpochs: 2, initialLr: 0.1}
        dataset: {trainLimit: 512}
        resources: {gpus: 0, cpu: "1", memory: 1Gi}
        storage: %s
      """;

  TestNamespace ns;
  ControlPlane plane;
  @RegisterExtension final OperatorInNamespace cluster = new OperatorInNamespace();

  @BeforeEach
  void setUp(TestNamespace ns, ControlPlane plane) {
    this.ns = ns;
    this.plane = plane;
  }

  PersistentVolumeClaim claim(String name) {
    return ns.client().persistentVolumeClaims().inNamespace(ns.name()).withName(name).get();
  }

  @Test
  void aMissingExistingClaimIsNamedInTheStatusAndAnEventUntilItIsCreated() {
    cluster.apply(KD.formatted("waits", "{existingClaim: shared-checkpoints}"));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                cluster.experiment("waits").getStatus() != null
                    && MissingClaims.isWaiting(cluster.experiment("waits").getStatus()));
    KDExperimentStatus status = cluster.experiment("waits").getStatus();
    Condition ready = status.condition(KDExperimentStatus.READY).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getMessage())
        .contains("spec.storage.existingClaim", "'shared-checkpoints'", ns.name());
    assertThat(status.getPhase()).isEqualTo(KDExperimentStatus.Phase.PENDING);
    assertThat(cluster.job("waits")).as("no Job whose pod could never start").isNull();
    String events =
        plane
            .kubectl(
                "get",
                "events",
                "-n",
                ns.name(),
                "--field-selector=involvedObject.name=waits",
                "-o",
                "custom-columns=REASON:.reason,MESSAGE:.message")
            .orThrow();
    assertThat(events).contains(MissingClaims.CLAIM_NOT_FOUND).contains("shared-checkpoints");

    ns.client()
        .persistentVolumeClaims()
        .inNamespace(ns.name())
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("shared-checkpoints")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build())
        .create();
    await().atMost(TIMEOUT).until(() -> cluster.job("waits") != null);
    await()
        .atMost(TIMEOUT)
        .until(() -> !MissingClaims.isWaiting(cluster.experiment("waits").getStatus()));
  }

  @Test
  void byDefaultTheCreatedClaimOutlivesItsExperiment() {
    cluster.apply(KD.formatted("kept", "{size: 1Gi}"));
    await()
        .atMost(TIMEOUT)
        .until(() -> claim("kept-checkpoints") != null && cluster.job("kept") != null);
    assertThat(claim("kept-checkpoints").getMetadata().getOwnerReferences()).isEmpty();

    plane.kubectl("delete", "kdx/kept", "-n", ns.name(), "--wait=true").orThrow();
    // The garbage collector removes what the experiment owns (the Job); the claim stays.
    await().atMost(TIMEOUT).until(() -> cluster.job("kept") == null);
    PersistentVolumeClaim kept = claim("kept-checkpoints");
    assertThat(kept).isNotNull();
    assertThat(kept.getMetadata().getDeletionTimestamp()).isNull();

    // An experiment of the same name finds the retained claim again.
    cluster.apply(KD.formatted("kept", "{size: 1Gi}"));
    await().atMost(TIMEOUT).until(() -> cluster.job("kept") != null);
    assertThat(claim("kept-checkpoints").getMetadata().getUid())
        .isEqualTo(kept.getMetadata().getUid());
  }

  @Test
  void withClaimRetentionDeleteTheClaimGoesWithItsExperiment() {
    cluster.apply(KD.formatted("gone", "{size: 1Gi, claimRetention: Delete}"));
    await().atMost(TIMEOUT).until(() -> claim("gone-checkpoints") != null);
    assertThat(claim("gone-checkpoints").getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o ->
                assertThat(o.getUid())
                    .isEqualTo(cluster.experiment("gone").getMetadata().getUid()));

    plane.kubectl("delete", "kdx/gone", "-n", ns.name(), "--wait=true").orThrow();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                claim("gone-checkpoints") == null
                    || claim("gone-checkpoints").getMetadata().getDeletionTimestamp() != null);
  }

  @Test
  void changingTheRetentionAddsOrRemovesOnlyTheOwnerReference() {
    cluster.apply(KD.formatted("flip", "{size: 1Gi}"));
    await().atMost(TIMEOUT).until(() -> claim("flip-checkpoints") != null);
    String uid = claim("flip-checkpoints").getMetadata().getUid();
    cluster.apply(KD.formatted("flip", "{size: 1Gi, claimRetention: Delete}"));
    await()
        .atMost(TIMEOUT)
        .until(() -> !claim("flip-checkpoints").getMetadata().getOwnerReferences().isEmpty());
    cluster.apply(KD.formatted("flip", "{size: 1Gi, claimRetention: Retain}"));
    await()
        .atMost(TIMEOUT)
        .until(() -> claim("flip-checkpoints").getMetadata().getOwnerReferences().isEmpty());
    assertThat(claim("flip-checkpoints").getMetadata().getUid()).isEqualTo(uid);
  }
}
