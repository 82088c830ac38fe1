package dev.kdflow.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kdflow.api.AttemptStatus;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.operator.testing.Experiments;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ChildResourcesTest {
  private final KDExperiment kdx = Experiments.kd("fmnist");

  private Job job() {
    return ChildResources.job(kdx, "registry/kdflow-trainer:1");
  }

  private static Container trainer(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  @Test
  void jobRunsTheTrainerWithResumeAndTheContractCommandLine() {
    Container c = trainer(job());
    assertThat(c.getName()).isEqualTo("trainer");
    assertThat(c.getImage()).isEqualTo("registry/kdflow-trainer:1");
    assertThat(c.getCommand())
        .containsExactly(
            "/opt/kdflow/bin/kdflow",
            "run",
            "/etc/kdflow/experiment.yaml",
            "--resume",
            "--status-port=8000",
            "--termination-message-path=/dev/termination-log",
            "checkpoints.rootDir=/checkpoints");
    assertThat(c.getPorts().get(0).getName()).isEqualTo("status");
    assertThat(c.getPorts().get(0).getContainerPort()).isEqualTo(8000);
    assertThat(c.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
  }

  @Test
  void specImageWinsOverTheOperatorDefault() {
    kdx.getSpec().setImage("my/trainer:dev");
    assertThat(trainer(job()).getImage()).isEqualTo("my/trainer:dev");
  }

  @Test
  void resourcesAndScratchSpace() {
    Job job = job();
    Container c = trainer(job);
    assertThat(c.getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("1"))
        .containsEntry("cpu", new Quantity("2"))
        .containsEntry("memory", new Quantity("8Gi"));
    assertThat(c.getResources().getRequests()).isEqualTo(c.getResources().getLimits());
    assertThat(mounts(c)).containsEntry("tmp", "/tmp");
    // the trainer's data loading workers are threads sharing its heap: no /dev/shm volume
    assertThat(mounts(c)).doesNotContainValue("/dev/shm");
  }

  @Test
  void cpuOnlyTrainingAsksForNoGpu() {
    kdx.getSpec().getResources().setGpus(0);
    assertThat(trainer(job()).getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
  }

  @Test
  void checkpointVolumeIsTheNewClaimMountedAtMountPath() {
    kdx.getSpec().getStorage().setMountPath("/ckpt");
    Job job = job();
    assertThat(volume(job, "checkpoints").getPersistentVolumeClaim().getClaimName())
        .isEqualTo("fmnist-checkpoints");
    assertThat(mounts(trainer(job))).containsEntry("checkpoints", "/ckpt");
    assertThat(trainer(job).getCommand()).contains("checkpoints.rootDir=/ckpt");
    assertThat(volume(job, "experiment").getConfigMap().getName()).isEqualTo("fmnist-experiment");
  }

  @Test
  void existingClaimIsUsedAndNoClaimIsWanted() {
    kdx.getSpec().getStorage().setSize(null);
    kdx.getSpec().getStorage().setExistingClaim("shared-ckpts");
    assertThat(ChildResources.wantsNewClaim(kdx)).isFalse();
    assertThat(volume(job(), "checkpoints").getPersistentVolumeClaim().getClaimName())
        .isEqualTo("shared-ckpts");
  }

  @Test
  void withoutStorageCheckpointsGoToAnEmptyDir() {
    kdx.getSpec().setStorage(null);
    assertThat(ChildResources.wantsNewClaim(kdx)).isFalse();
    assertThat(volume(job(), "checkpoints").getEmptyDir()).isNotNull();
  }

  @Test
  void claimHasSizeClassAndLabels() {
    PersistentVolumeClaim pvc = ChildResources.claim(kdx);
    assertThat(pvc.getMetadata().getName()).isEqualTo("fmnist-checkpoints");
    assertThat(pvc.getSpec().getResources().getRequests().get("storage"))
        .isEqualTo(new Quantity("5Gi"));
    assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("fast");
    assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(pvc.getMetadata().getLabels()).containsEntry("kdflow.dev/experiment", "fmnist");
  }

  @Test
  void runPolicyAndFailurePolicy() {
    Job job = job();
    assertThat(job.getSpec().getBackoffLimit()).isEqualTo(2);
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
    assertThat(job.getSpec().getSuspend()).isFalse();
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).as("ttl is the operator's job").isNull();
    assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    var rules = job.getSpec().getPodFailurePolicy().getRules();
    assertThat(rules.get(0).getAction()).isEqualTo("FailJob");
    assertThat(rules.get(0).getOnExitCodes().getValues()).containsExactly(2);
    assertThat(rules.get(0).getOnExitCodes().getContainerName()).isEqualTo("trainer");
    assertThat(rules.get(1).getAction()).isEqualTo("Ignore");
    assertThat(rules.get(1).getOnPodConditions().get(0).getType()).isEqualTo("DisruptionTarget");
  }

  @Test
  void podSecurity() {
    PodSpec pod = job().getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    var sc = pod.getContainers().get(0).getSecurityContext();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
  }

  @Test
  void schedulingAndKueue() {
    kdx.getSpec().getScheduling().setQueueName("team-a");
    Job job = job();
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeSelector()).containsEntry("accelerator", "nvidia-h100");
    assertThat(pod.getTolerations().get(0).getKey()).isEqualTo("nvidia.com/gpu");
    assertThat(pod.getPriorityClassName()).isEqualTo("training");
    assertThat(job.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "team-a");
    assertThat(job.getSpec().getSuspend()).as("Kueue admits by unsuspending").isTrue();
  }

  @Test
  void everyChildCarriesTheLabels() {
    Map<String, String> expected =
        Map.of(
            "app.kubernetes.io/name", "kdflow-trainer",
            "app.kubernetes.io/instance", "fmnist",
            "app.kubernetes.io/component", "training",
            "app.kubernetes.io/managed-by", "kdflow-operator",
            "app.kubernetes.io/part-of", "kdflow",
            "kdflow.dev/experiment", "fmnist");
    assertThat(job().getMetadata().getLabels()).containsAllEntriesOf(expected);
    assertThat(job().getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(expected);
    assertThat(ChildResources.configMap(kdx).getMetadata().getLabels())
        .containsAllEntriesOf(expected);
    assertThat(ChildResources.claim(kdx).getMetadata().getLabels()).containsAllEntriesOf(expected);
  }

  @Test
  void configMapHoldsTheWholeExperimentWithRootDirAtTheMount() {
    ConfigMap cm = ChildResources.configMap(kdx);
    KDExperiment inPod =
        Serialization.unmarshal(cm.getData().get("experiment.yaml"), KDExperiment.class);
    assertThat(inPod.getApiVersion()).isEqualTo("kdflow.dev/v1alpha1");
    assertThat(inPod.getKind()).isEqualTo("KDExperiment");
    assertThat(inPod.getMetadata().getName()).isEqualTo("fmnist");
    assertThat(inPod.getMetadata().getNamespace()).isEqualTo("ml");
    assertThat(inPod.getSpec().getCheckpoints().getRootDir()).isEqualTo("/checkpoints");
    assertThat(inPod.getSpec().getCheckpoints().getExperimentName()).isEqualTo("fmnist");
    assertThat(inPod.getSpec().getTeacher()).isEqualTo(kdx.getSpec().getTeacher());
    assertThat(inPod.getSpec().getTraining()).isEqualTo(kdx.getSpec().getTraining());
    assertThat(inPod.getStatus()).isNull();
  }

  @Test
  void aLaterAttemptWritesBesideTheEarlierCheckpoints() {
    KDExperimentStatus status = new KDExperimentStatus();
    AttemptStatus attempt = new AttemptStatus();
    attempt.setNumber(3);
    status.setAttempt(attempt);
    kdx.setStatus(status);
    assertThat(ChildResources.checkpointDirName(kdx)).isEqualTo("fmnist-attempt-3");
    assertThat(job().getMetadata().getAnnotations()).containsEntry("kdflow.dev/attempt", "3");
    kdx.getSpec().getCheckpoints().setExperimentName("continue-here");
    assertThat(ChildResources.checkpointDirName(kdx)).isEqualTo("continue-here");
  }

  @Test
  void specHashIgnoresSuspendTtlAndNonce() {
    String before = ChildResources.specHash(kdx.getSpec());
    kdx.getSpec().getRunPolicy().setSuspend(true);
    kdx.getSpec().getRunPolicy().setTtlSecondsAfterFinished(60);
    kdx.getSpec().setRestartNonce("x");
    assertThat(ChildResources.specHash(kdx.getSpec())).isEqualTo(before);
    kdx.getSpec().getTraining().setMaxEpochs(11);
    assertThat(ChildResources.specHash(kdx.getSpec())).isNotEqualTo(before);
  }

  @Test
  void desiredStateIsDeterministic() {
    assertThat(Serialization.asYaml(job())).isEqualTo(Serialization.asYaml(job()));
    assertThat(ChildResources.configMap(kdx)).isEqualTo(ChildResources.configMap(kdx));
  }

  private static Volume volume(Job job, String name) {
    return job.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Map<String, String> mounts(Container c) {
    return c.getVolumeMounts().stream()
        .collect(Collectors.toMap(VolumeMount::getName, VolumeMount::getMountPath));
  }
}
