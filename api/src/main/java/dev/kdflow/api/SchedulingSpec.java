package dev.kdflow.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import lombok.Data;

/** Where the training pod may run, copied onto the pod template of the Job. */
@Data
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchedulingSpec {
  /** Kubernetes label value syntax (at most 63 characters). */
  public static final String LABEL_VALUE_PATTERN =
      "^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$";

  /** Kubernetes object name syntax (DNS-1123 subdomain). */
  public static final String DNS_SUBDOMAIN_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** The label Kueue reads to place a Job in a LocalQueue. */
  public static final String KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";

  @Size(max = 64)
  @JsonPropertyDescription("Node labels the training pod requires (pod nodeSelector).")
  private Map<String, String> nodeSelector;

  @Size(max = 64)
  @JsonPropertyDescription("Tolerations of the training pod, e.g. for tainted GPU nodes.")
  private List<Toleration> tolerations;

  @JsonPropertyDescription("Affinity of the training pod (node and pod (anti-)affinity).")
  private Affinity affinity;

  @Pattern(DNS_SUBDOMAIN_PATTERN)
  @JsonPropertyDescription("PriorityClass of the training pod.")
  private String priorityClassName;

  @Pattern(DNS_SUBDOMAIN_PATTERN)
  @JsonPropertyDescription("Scheduler of the training pod. Default: the cluster's default.")
  private String schedulerName;

  @Pattern(LABEL_VALUE_PATTERN)
  @JsonPropertyDescription(
      "Kueue LocalQueue name. When set the Job is labelled kueue.x-k8s.io/queue-name, created"
          + " suspended and started by Kueue on admission.")
  private String queueName;
}
