package dev.kdflow.operator.dependent;

import dev.kdflow.api.CheckpointsSpec;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.PodTemplateOverrides;
import dev.kdflow.api.ResourcesSpec;
import dev.kdflow.api.RunPolicySpec;
import dev.kdflow.api.SchedulingSpec;
import dev.kdflow.api.StorageSpec;
import dev.kdflow.api.trainer.TrainerImageContract;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure builders of the desired children of a KDExperiment: the ConfigMap with the manifest the
 * trainer runs, the checkpoint claim and the training Job. No cluster access.
 */
public final class ChildResources {
  private ChildResources() {}

  /** The checkpoint directory name of the experiment's current attempt. */
  public static String checkpointDirName(KDExperiment kdx) {
    CheckpointsSpec c = kdx.getSpec().getCheckpoints();
    if (c != null && c.getExperimentName() != null) {
      return c.getExperimentName();
    }
    int attempt = ChildNames.attempt(kdx);
    String name = kdx.getMetadata().getName();
    // A restarted experiment writes beside the earlier attempt's checkpoints, never over them.
    return attempt <= 1 ? name : name + "-attempt-" + attempt;
  }

  /** Where the checkpoint volume is mounted: the trainer's checkpoints.rootDir. */
  public static String mountPath(KDExperimentSpec spec) {
    StorageSpec s = spec.getStorage();
    return s == null || s.getMountPath() == null
        ? StorageSpec.DEFAULT_MOUNT_PATH
        : s.getMountPath();
  }

  /** The manifest the trainer runs: the experiment with checkpoints pointing at the volume. */
  public static String experimentYaml(KDExperiment kdx) {
    KDExperiment copy = new KDExperiment();
    copy.setMetadata(
        new ObjectMetaBuilder()
            .withName(kdx.getMetadata().getName())
            .withNamespace(kdx.getMetadata().getNamespace())
            .build());
    KDExperimentSpec spec =
        Serialization.unmarshal(Serialization.asJson(kdx.getSpec()), KDExperimentSpec.class);
    CheckpointsSpec checkpoints =
        spec.getCheckpoints() == null ? new CheckpointsSpec() : spec.getCheckpoints();
    checkpoints.setRootDir(mountPath(spec));
    checkpoints.setExperimentName(checkpointDirName(kdx));
    spec.setCheckpoints(checkpoints);
    copy.setSpec(spec);
    return Serialization.asYaml(copy);
  }

  /** The ConfigMap mounted at /etc/kdflow. */
  public static ConfigMap configMap(KDExperiment kdx) {
    return new ConfigMapBuilder()
        .withMetadata(metadata(kdx, ChildNames.configMap(kdx), attemptAnnotation(kdx)))
        .withData(Map.of(TrainerImageContract.EXPERIMENT_KEY, experimentYaml(kdx)))
        .build();
  }

  /** True when the spec asks the operator for a new checkpoint claim. */
  public static boolean wantsNewClaim(KDExperiment kdx) {
    StorageSpec s = kdx.getSpec().getStorage();
    return s != null && s.getSize() != null && s.getExistingClaim() == null;
  }

  /**
   * True when the claim the operator creates goes with the experiment (storage.claimRetention:
   * Delete): only then does it carry an owner reference for the garbage collector.
   */
  public static boolean claimDeletedWithExperiment(KDExperiment kdx) {
    StorageSpec s = kdx.getSpec().getStorage();
    return s != null && s.claimRetentionOrDefault() == StorageSpec.ClaimRetention.DELETE;
  }

  /**
   * The checkpoint claim (only when {@link #wantsNewClaim}): owned by the experiment only when
   * {@link #claimDeletedWithExperiment}, so by default deleting the experiment keeps the
   * checkpoints.
   */
  public static PersistentVolumeClaim claim(KDExperiment kdx) {
    StorageSpec s = kdx.getSpec().getStorage();
    PersistentVolumeClaim claim = claimWithoutOwner(kdx, s);
    if (claimDeletedWithExperiment(kdx)) {
      claim.addOwnerReference(kdx);
    }
    return claim;
  }

  private static PersistentVolumeClaim claimWithoutOwner(KDExperiment kdx, StorageSpec s) {
    return new PersistentVolumeClaimBuilder()
        .withMetadata(metadata(kdx, ChildNames.claim(kdx), Map.of()))
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName(s.getStorageClassName())
        .withNewResources()
        .addToRequests("storage", new Quantity(s.getSize()))
        .endResources()
        .endSpec()
        .build();
  }

  /** The trainer's command line (the contract with the trainer image). */
  public static List<String> command(KDExperimentSpec spec) {
    return List.of(
        TrainerImageContract.LAUNCHER,
        "run",
        TrainerImageContract.EXPERIMENT_FILE,
        "--resume",
        "--status-port=" + TrainerImageContract.STATUS_PORT,
        "--termination-message-path=" + TrainerImageContract.TERMINATION_MESSAGE_PATH,
        "checkpoints.rootDir=" + mountPath(spec));
  }

  /**
   * Fails the Job at once when the trainer reports invalid input; ignores disruptions (eviction,
   * preemption) so they do not use up retries; any other failure counts against backoffLimit.
   */
  public static PodFailurePolicy podFailurePolicy() {
    return new PodFailurePolicyBuilder()
        .addNewRule()
        .withAction("FailJob")
        .withNewOnExitCodes()
        .withContainerName(ChildNames.CONTAINER)
        .withOperator("In")
        .withValues(TrainerImageContract.EXIT_INVALID_INPUT)
        .endOnExitCodes()
        .endRule()
        .addNewRule()
        .withAction("Ignore")
        .addNewOnPodCondition()
        .withType("DisruptionTarget")
        .withStatus("True")
        .endOnPodCondition()
        .endRule()
        .build();
  }

  /** True when Kueue decides when the Job runs. */
  public static boolean queued(KDExperimentSpec spec) {
    return spec.getScheduling() != null && spec.getScheduling().getQueueName() != null;
  }

  /** Whether the Job should be suspended now; a Kueue Job is created suspended for admission. */
  public static boolean suspendRequested(KDExperimentSpec spec) {
    return spec.getRunPolicy() != null && Boolean.TRUE.equals(spec.getRunPolicy().getSuspend());
  }

  /** The training Job. */
  public static Job job(KDExperiment kdx, String defaultImage) {
    Job job = jobWithoutOverrides(kdx, defaultImage);
    applyPodOverrides(
        kdx.getSpec().getPodTemplate(), job.getSpec().getTemplate(), ChildNames.CONTAINER);
    return job;
  }

  /**
   * Adds the user's {@code spec.podTemplate} to a pod template the operator built (the training
   * Job's, or any other Job's that runs the trainer image): pod labels and annotations,
   * ServiceAccount, RuntimeClass, image pull secrets, volumes, and the env, envFrom and
   * volumeMounts of the container named {@code containerName}. What the operator set stays and
   * wins: its labels and annotations are kept, its env comes after the user's (the later entry of a
   * name counts), and volumes and mounts are only added. The validator rejects overrides that would
   * clash, so nothing is dropped silently here.
   *
   * @param overrides spec.podTemplate, or null (then nothing changes)
   * @param template the pod template to change in place
   * @param containerName the container that gets env, envFrom and volumeMounts
   */
  public static void applyPodOverrides(
      PodTemplateOverrides overrides,
      io.fabric8.kubernetes.api.model.PodTemplateSpec template,
      String containerName) {
    if (overrides == null) {
      return;
    }
    ObjectMeta meta = template.getMetadata();
    if (overrides.getLabels() != null) {
      Map<String, String> labels = new LinkedHashMap<>(overrides.getLabels());
      labels.putAll(meta.getLabels() == null ? Map.of() : meta.getLabels());
      meta.setLabels(labels);
    }
    if (overrides.getAnnotations() != null) {
      Map<String, String> annotations = new LinkedHashMap<>(overrides.getAnnotations());
      annotations.putAll(meta.getAnnotations() == null ? Map.of() : meta.getAnnotations());
      meta.setAnnotations(annotations);
    }
    PodSpec pod = template.getSpec();
    if (overrides.getServiceAccountName() != null) {
      pod.setServiceAccountName(overrides.getServiceAccountName());
    }
    if (overrides.getRuntimeClassName() != null) {
      pod.setRuntimeClassName(overrides.getRuntimeClassName());
    }
    pod.setImagePullSecrets(concat(pod.getImagePullSecrets(), overrides.getImagePullSecrets()));
    pod.setVolumes(concat(pod.getVolumes(), overrides.getVolumes()));
    Container container =
        pod.getContainers().stream()
            .filter(c -> containerName.equals(c.getName()))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no container named " + containerName));
    container.setEnv(concat(overrides.getEnv(), container.getEnv()));
    container.setEnvFrom(concat(container.getEnvFrom(), overrides.getEnvFrom()));
    container.setVolumeMounts(concat(container.getVolumeMounts(), overrides.getVolumeMounts()));
  }

  private static <T> List<T> concat(List<T> first, List<T> second) {
    List<T> all = new ArrayList<>(first == null ? List.of() : first);
    if (second != null) {
      all.addAll(second);
    }
    return all;
  }

  private static Job jobWithoutOverrides(KDExperiment kdx, String defaultImage) {
    KDExperimentSpec spec = kdx.getSpec();
    RunPolicySpec run = spec.getRunPolicy() == null ? new RunPolicySpec() : spec.getRunPolicy();
    SchedulingSpec sched =
        spec.getScheduling() == null ? new SchedulingSpec() : spec.getScheduling();
    Map<String, String> jobAnnotations = new LinkedHashMap<>(attemptAnnotation(kdx));
    jobAnnotations.put(ChildNames.SPEC_HASH_ANNOTATION, specHash(spec));
    ObjectMeta meta = metadata(kdx, ChildNames.job(kdx), jobAnnotations);
    if (sched.getQueueName() != null) {
      meta.getLabels().put(SchedulingSpec.KUEUE_QUEUE_LABEL, sched.getQueueName());
    }
    String mountPath = mountPath(spec);
    String image = spec.getImage() != null ? spec.getImage() : defaultImage;

    return new JobBuilder()
        .withMetadata(meta)
        .withNewSpec()
        .withBackoffLimit(run.getBackoffLimit() == null ? 3 : run.getBackoffLimit())
        .withActiveDeadlineSeconds(run.getActiveDeadlineSeconds())
        .withSuspend(suspendRequested(spec) || queued(spec))
        .withPodFailurePolicy(podFailurePolicy())
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(ChildNames.labels(kdx))
        .addToAnnotations(ChildNames.ATTEMPT_ANNOTATION, String.valueOf(ChildNames.attempt(kdx)))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(60L)
        .withSecurityContext(
            new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(TrainerImageContract.RUN_AS_USER)
                .withRunAsGroup(TrainerImageContract.RUN_AS_USER)
                .withFsGroup(TrainerImageContract.RUN_AS_USER)
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .build())
        .withNodeSelector(sched.getNodeSelector())
        .withTolerations(sched.getTolerations())
        .withAffinity(sched.getAffinity())
        .withPriorityClassName(sched.getPriorityClassName())
        .withSchedulerName(sched.getSchedulerName())
        .withContainers(
            new ContainerBuilder()
                .withName(ChildNames.CONTAINER)
                .withImage(image)
                .withImagePullPolicy("IfNotPresent")
                .withCommand(command(spec))
                .addNewPort()
                .withName("status")
                .withContainerPort(TrainerImageContract.STATUS_PORT)
                .withProtocol("TCP")
                .endPort()
                .addNewEnv()
                .withName("HOME")
                .withValue("/tmp")
                .endEnv()
                .addNewEnv()
                .withName("KDFLOW_EXPERIMENT")
                .withValue(kdx.getMetadata().getName())
                .endEnv()
                .withNewResources()
                .withRequests(resources(spec.getResources()))
                .withLimits(resources(spec.getResources()))
                .endResources()
                .withTerminationMessagePath(TrainerImageContract.TERMINATION_MESSAGE_PATH)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withSecurityContext(
                    new SecurityContextBuilder()
                        .withAllowPrivilegeEscalation(false)
                        .withReadOnlyRootFilesystem(true)
                        .withRunAsNonRoot(true)
                        .withNewCapabilities()
                        .withDrop("ALL")
                        .endCapabilities()
                        .build())
                .addNewVolumeMount()
                .withName("experiment")
                .withMountPath(TrainerImageContract.CONFIG_DIR)
                .withReadOnly(true)
                .endVolumeMount()
                .addNewVolumeMount()
                .withName("checkpoints")
                .withMountPath(mountPath)
                .endVolumeMount()
                .addNewVolumeMount()
                .withName("tmp")
                .withMountPath("/tmp")
                .endVolumeMount()
                .build())
        .withVolumes(volumes(kdx))
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static List<Volume> volumes(KDExperiment kdx) {
    KDExperimentSpec spec = kdx.getSpec();
    StorageSpec storage = spec.getStorage();
    VolumeBuilder checkpoints = new VolumeBuilder().withName("checkpoints");
    if (storage != null && storage.getExistingClaim() != null) {
      checkpoints
          .withNewPersistentVolumeClaim()
          .withClaimName(storage.getExistingClaim())
          .endPersistentVolumeClaim();
    } else if (wantsNewClaim(kdx)) {
      checkpoints
          .withNewPersistentVolumeClaim()
          .withClaimName(ChildNames.claim(kdx))
          .endPersistentVolumeClaim();
    } else {
      checkpoints.withNewEmptyDir().endEmptyDir();
    }
    return List.of(
        new VolumeBuilder()
            .withName("experiment")
            .withNewConfigMap()
            .withName(ChildNames.configMap(kdx))
            .addNewItem()
            .withKey(TrainerImageContract.EXPERIMENT_KEY)
            .withPath(TrainerImageContract.EXPERIMENT_KEY)
            .endItem()
            .endConfigMap()
            .build(),
        checkpoints.build(),
        new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
  }

  private static Map<String, Quantity> resources(ResourcesSpec r) {
    Map<String, Quantity> q = new LinkedHashMap<>();
    if (r == null) {
      return q;
    }
    if (r.getCpu() != null) {
      q.put("cpu", new Quantity(r.getCpu()));
    }
    if (r.getMemory() != null) {
      q.put("memory", new Quantity(r.getMemory()));
    }
    if (r.getGpus() != null && r.getGpus() > 0) {
      q.put(r.gpuResourceNameOrDefault(), new Quantity(String.valueOf(r.getGpus())));
    }
    return q;
  }

  /**
   * Hash of the spec parts baked into the Job. Suspension, clean-up, the claim's retention and the
   * restart nonce are left out: changing them never needs a new Job.
   */
  public static String specHash(KDExperimentSpec spec) {
    KDExperimentSpec copy =
        Serialization.unmarshal(Serialization.asJson(spec), KDExperimentSpec.class);
    copy.setRestartNonce(null);
    if (copy.getStorage() != null) {
      copy.getStorage().setClaimRetention(null);
    }
    if (copy.getRunPolicy() != null) {
      copy.getRunPolicy().setSuspend(null);
      copy.getRunPolicy().setTtlSecondsAfterFinished(null);
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(Serialization.asJson(copy).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> attemptAnnotation(KDExperiment kdx) {
    return Map.of(ChildNames.ATTEMPT_ANNOTATION, String.valueOf(ChildNames.attempt(kdx)));
  }

  private static ObjectMeta metadata(
      KDExperiment kdx, String name, Map<String, String> annotations) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(kdx.getMetadata().getNamespace())
        .withLabels(new LinkedHashMap<>(ChildNames.labels(kdx)))
        .withAnnotations(new LinkedHashMap<>(annotations))
        .build();
  }
}
