package dev.kdflow.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.PodTemplateOverrides;
import dev.kdflow.api.StorageSpec;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** spec.podTemplate on the training Job's pod, the GPU resource name and the claim's retention. */
class PodOverridesTest {
  static final String OVERRIDES =
      """
      labels: {team: vision}
      annotations: {example.com/cost-centre: "42"}
      serviceAccountName: trainer
      runtimeClassName: nvidia
      imagePullSecrets: [{name: registry}]
      env: [{name: HF_HOME, value: /tmp/hf}]
      envFrom: [{secretRef: {name: wandb}}]
      volumes:
      - name: dataset
        persistentVolumeClaim: {claimName: imagenette, readOnly: true}
      volumeMounts:
      - {name: dataset, mountPath: /data, readOnly: true}
      """;

  private final KDExperiment kdx = Experiments.kd("fmnist");

  private Job job() {
    return ChildResources.job(kdx, "registry/kdflow-trainer:1");
  }

  private static Container trainer(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  @Test
  void theUsersAdditionsReachTheTrainingPodBesideTheOperatorsOwn() {
    Job before = job();
    kdx.getSpec().setPodTemplate(Serialization.unmarshal(OVERRIDES, PodTemplateOverrides.class));
    assertThat(KDExperimentValidator.hasErrors(KDExperimentValidator.validate(kdx))).isFalse();
    Job job = job();
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Container c = trainer(job);

    assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("team", "vision")
        .containsAllEntriesOf(before.getSpec().getTemplate().getMetadata().getLabels());
    assertThat(job.getMetadata().getLabels())
        .as("the Job itself keeps only the operator's labels")
        .doesNotContainKey("team");
    assertThat(job.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("example.com/cost-centre", "42")
        .containsAllEntriesOf(before.getSpec().getTemplate().getMetadata().getAnnotations());
    assertThat(pod.getServiceAccountName()).isEqualTo("trainer");
    assertThat(pod.getAutomountServiceAccountToken())
        .as("the trainer still gets no API token")
        .isFalse();
    assertThat(pod.getRuntimeClassName()).isEqualTo("nvidia");
    assertThat(pod.getImagePullSecrets())
        .extracting(LocalObjectReference::getName)
        .containsExactly("registry");
    assertThat(pod.getVolumes())
        .extracting(Volume::getName)
        .containsExactly("experiment", "checkpoints", "tmp", "dataset");
    assertThat(pod.getVolumes().get(3).getPersistentVolumeClaim().getReadOnly()).isTrue();
    assertThat(c.getVolumeMounts())
        .extracting(VolumeMount::getName, VolumeMount::getMountPath, VolumeMount::getReadOnly)
        .contains(org.assertj.core.groups.Tuple.tuple("dataset", "/data", true));
    assertThat(c.getVolumeMounts()).containsAll(trainer(before).getVolumeMounts());
    assertThat(c.getEnv())
        .as("the user's env first, the operator's after it (the later entry of a name counts)")
        .extracting(EnvVar::getName)
        .containsExactly("HF_HOME", "HOME", "KDFLOW_EXPERIMENT");
    assertThat(c.getEnvFrom().get(0).getSecretRef().getName()).isEqualTo("wandb");
    assertThat(c.getCommand()).isEqualTo(trainer(before).getCommand());
    assertThat(c.getSecurityContext()).isEqualTo(trainer(before).getSecurityContext());
  }

  @Test
  void withoutOverridesTheJobIsUnchanged() {
    Job plain = job();
    kdx.getSpec().setPodTemplate(new PodTemplateOverrides());
    assertThat(Serialization.asYaml(job().getSpec().getTemplate()))
        .isEqualTo(Serialization.asYaml(plain.getSpec().getTemplate()));
  }

  @Test
  void theOverridesApplyToAnyPodTemplateByContainerName() {
    PodTemplateSpec template =
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .addToLabels("kdflow.dev/experiment", "x")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("sidecar")
            .endContainer()
            .addNewContainer()
            .withName("precompute")
            .endContainer()
            .endSpec()
            .build();
    ChildResources.applyPodOverrides(
        Serialization.unmarshal(OVERRIDES, PodTemplateOverrides.class), template, "precompute");
    assertThat(template.getSpec().getContainers().get(0).getEnv()).isEmpty();
    assertThat(template.getSpec().getContainers().get(1).getEnv())
        .extracting(EnvVar::getName)
        .containsExactly("HF_HOME");
    assertThat(template.getMetadata().getLabels())
        .containsEntry("kdflow.dev/experiment", "x")
        .containsEntry("team", "vision");
  }

  @Test
  void theGpuResourceNameIsWhatThePodAsksFor() {
    kdx.getSpec().getResources().setGpuResourceName("nvidia.com/mig-1g.10gb");
    Container c = trainer(job());
    assertThat(c.getResources().getLimits())
        .containsEntry("nvidia.com/mig-1g.10gb", new Quantity("1"))
        .doesNotContainKey("nvidia.com/gpu");
    assertThat(c.getResources().getRequests()).isEqualTo(c.getResources().getLimits());
  }

  @Test
  void byDefaultTheClaimHasNoOwnerAndOutlivesTheExperiment() {
    kdx.getMetadata().setUid("uid-1");
    assertThat(ChildResources.claim(kdx).getMetadata().getOwnerReferences()).isEmpty();
    kdx.getSpec().getStorage().setClaimRetention(StorageSpec.ClaimRetention.RETAIN);
    assertThat(ChildResources.claim(kdx).getMetadata().getOwnerReferences()).isEmpty();
  }

  @Test
  void withClaimRetentionDeleteTheExperimentOwnsTheClaim() {
    kdx.getMetadata().setUid("uid-1");
    kdx.getSpec().getStorage().setClaimRetention(StorageSpec.ClaimRetention.DELETE);
    assertThat(ChildResources.claim(kdx).getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo("uid-1");
              assertThat(o.getKind()).isEqualTo("KDExperiment");
            });
  }

  @Test
  void theClaimsRetentionNeedsNoNewJob() {
    String before = ChildResources.specHash(kdx.getSpec());
    kdx.getSpec().getStorage().setClaimRetention(StorageSpec.ClaimRetention.DELETE);
    assertThat(ChildResources.specHash(kdx.getSpec())).isEqualTo(before);
  }
}
