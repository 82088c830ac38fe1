package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lombok.Data;

/**
 * What a user may add to the training pod: a validated subset of a pod template, applied on top of
 * the pod the operator builds. The operator keeps the trainer's command, ports, security context
 * and its own volumes, mounts, environment variables and labels; everything here is added beside
 * them and may not replace them.
 */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.volumes) || self.volumes.all(v, !has(v.name) || !(v.name in "
            + PodTemplateOverrides.CEL_VOLUMES
            + "))",
    message =
        "podTemplate.volumes: the names experiment, checkpoints and tmp belong to the operator;"
            + " choose another name")
@ValidationRule(
    value =
        "!has(self.env) || self.env.all(e, !has(e.name) || e.name != 'HOME'"
            + " && !e.name.startsWith('KDFLOW_'))",
    message =
        "podTemplate.env: HOME and names starting with KDFLOW_ are set by the operator; choose"
            + " another name")
@ValidationRule(
    value =
        "!has(self.labels) || self.labels.all(k, !(k in ['app.kubernetes.io/name',"
            + " 'app.kubernetes.io/instance', 'app.kubernetes.io/component',"
            + " 'app.kubernetes.io/managed-by', 'app.kubernetes.io/part-of', 'job-name',"
            + " 'controller-uid']) && !k.startsWith('kdflow.dev/')"
            + " && !k.startsWith('batch.kubernetes.io/') && !k.startsWith('kueue.x-k8s.io/'))",
    message =
        "podTemplate.labels: keys the operator, the Job controller or Kueue set are rejected;"
            + " choose another key")
public class PodTemplateOverrides {
  /** The volumes the operator declares in every training pod. */
  public static final Set<String> OPERATOR_VOLUMES = Set.of("experiment", "checkpoints", "tmp");

  /** {@link #OPERATOR_VOLUMES} as a CEL list literal. */
  static final String CEL_VOLUMES = "['experiment', 'checkpoints', 'tmp']";

  /** Environment variables the operator sets on the trainer. */
  public static final Set<String> OPERATOR_ENV = Set.of("HOME", "KDFLOW_EXPERIMENT");

  /** Prefix of environment variable names kept for the operator and the trainer. */
  public static final String OPERATOR_ENV_PREFIX = "KDFLOW_";

  /**
   * Label keys the operator, the Job controller and Kueue set on training pods; a pod label with
   * one of these keys, or a key under one of {@link #OPERATOR_LABEL_PREFIXES}, is rejected.
   */
  public static final Set<String> OPERATOR_LABELS =
      Set.of(
          "app.kubernetes.io/name",
          "app.kubernetes.io/instance",
          "app.kubernetes.io/component",
          "app.kubernetes.io/managed-by",
          "app.kubernetes.io/part-of",
          "job-name",
          "controller-uid");

  /** Label and annotation key prefixes that belong to the operator, the Job controller, Kueue. */
  public static final List<String> OPERATOR_LABEL_PREFIXES =
      List.of("kdflow.dev/", "batch.kubernetes.io/", "kueue.x-k8s.io/");

  /** Most entries in each list, so the API server can bound the cost of the CEL rules above. */
  public static final int MAX_ITEMS = 64;

  @Size(max = MAX_ITEMS)
  @JsonPropertyDescription(
      "Labels added to the training pod (not to the Job). Keys the operator, the Job controller"
          + " or Kueue set (app.kubernetes.io/name, instance, component, managed-by, part-of;"
          + " kdflow.dev/*, batch.kubernetes.io/*, kueue.x-k8s.io/*, job-name, controller-uid)"
          + " are rejected.")
  private Map<String, String> labels;

  @Size(max = MAX_ITEMS)
  @JsonPropertyDescription(
      "Annotations added to the training pod, e.g. for a service mesh or a metrics scraper."
          + " Keys under kdflow.dev/, batch.kubernetes.io/ and kueue.x-k8s.io/ are rejected.")
  private Map<String, String> annotations;

  @Pattern(SchedulingSpec.DNS_SUBDOMAIN_PATTERN)
  @JsonPropertyDescription(
      "ServiceAccount of the training pod (its image pull secrets, cloud workload identity)."
          + " The pod still gets no API token: the trainer never talks to the Kubernetes API."
          + " Default: the namespace's default ServiceAccount.")
  private String serviceAccountName;

  @Pattern(SchedulingSpec.DNS_SUBDOMAIN_PATTERN)
  @JsonPropertyDescription(
      "RuntimeClass of the training pod, e.g. nvidia when the GPU runtime is not the node's"
          + " default. Default: the node's default runtime.")
  private String runtimeClassName;

  @Size(max = MAX_ITEMS)
  @JsonPropertyDescription(
      "Secrets in the experiment's namespace used to pull the trainer image from a private"
          + " registry.")
  private List<LocalObjectReference> imagePullSecrets;

  @Size(max = MAX_ITEMS)
  @JsonPropertyDescription(
      "Environment variables added to the trainer container. HOME and names starting with"
          + " KDFLOW_ are the operator's and rejected.")
  private List<EnvVar> env;

  @Size(max = MAX_ITEMS)
  @JsonPropertyDescription(
      "ConfigMaps and Secrets whose keys become environment variables of the trainer container.")
  private List<EnvFromSource> envFrom;

  @Size(max = MAX_ITEMS)
  @JsonPropertyDescription(
      "Volumes added to the training pod, e.g. a read-only dataset claim or a ConfigMap/Secret"
          + " with a teacher file. The names experiment, checkpoints and tmp are the operator's.")
  private List<Volume> volumes;

  @Size(max = MAX_ITEMS)
  @JsonPropertyDescription(
      "Where the trainer container mounts volumes from podTemplate.volumes, e.g. the dataset"
          + " claim at /data read-only (then dataset.path: /data/...). Mounts over the operator's"
          + " paths (/etc/kdflow, /tmp, /dev/shm, /opt/kdflow, the checkpoint mountPath) are"
          + " rejected.")
  private List<VolumeMount> volumeMounts;
}
