package dev.kdflow.operator.dependent;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops and restarts a Kueue-queued Job the way Kueue documents for users: Kueue unsuspends Jobs it
 * admitted, so a user's stop is a deactivated Workload ({@code spec.active: false}, what {@code
 * kubectl kueue stop workload} does), mirrored on the Job as label {@value #ACTIVE_LABEL} (which
 * Kueue reads itself where its WorkloadActiveLabel feature is on). Without Kueue installed there is
 * no Workload and nothing to do.
 */
public final class KueueWorkloads {
  /** Label on the Job: {@code "false"} while the user stops it. */
  public static final String ACTIVE_LABEL = "kueue.x-k8s.io/active";

  static final ResourceDefinitionContext WORKLOAD =
      new ResourceDefinitionContext.Builder()
          .withGroup("kueue.x-k8s.io")
          .withVersion("v1beta1")
          .withKind("Workload")
          .withPlural("workloads")
          .withNamespaced(true)
          .build();

  private static final Logger LOG = LoggerFactory.getLogger(KueueWorkloads.class);

  private KueueWorkloads() {}

  /** The value of {@link #ACTIVE_LABEL} for a queued Job the user does or does not suspend. */
  public static String activeLabel(boolean userSuspended) {
    return String.valueOf(!userSuspended);
  }

  /**
   * Sets {@code spec.active} of the Workloads Kueue made for the Job (owned by its UID).
   *
   * @return how many Workloads were changed
   */
  public static int setActive(KubernetesClient client, Job job, boolean active) {
    String namespace = job.getMetadata().getNamespace();
    List<GenericKubernetesResource> workloads;
    try {
      workloads =
          client.genericKubernetesResources(WORKLOAD).inNamespace(namespace).list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return 0; // Kueue is not installed: no Workload to stop
      }
      if (e.getCode() == 403) {
        // The label still asks Kueue to stop it where Kueue reads it; say what is missing.
        LOG.warn(
            "cannot stop the Kueue Workload of Job {}/{}: the operator may not list or patch"
                + " workloads.kueue.x-k8s.io (grant list and patch on them): {}",
            namespace,
            job.getMetadata().getName(),
            e.getMessage());
        return 0;
      }
      throw e;
    }
    int changed = 0;
    for (GenericKubernetesResource w : workloads) {
      boolean ownedByJob =
          w.getMetadata().getOwnerReferences() != null
              && w.getMetadata().getOwnerReferences().stream()
                  .anyMatch(o -> Objects.equals(o.getUid(), job.getMetadata().getUid()));
      Object current = w.get("spec", "active");
      if (ownedByJob && !Objects.equals(current == null ? Boolean.TRUE : current, active)) {
        client
            .genericKubernetesResources(WORKLOAD)
            .inNamespace(namespace)
            .withName(w.getMetadata().getName())
            .patch(
                PatchContext.of(PatchType.JSON_MERGE),
                io.fabric8.kubernetes.client.utils.Serialization.asJson(
                    Map.of("spec", Map.of("active", active))));
        changed++;
      }
    }
    return changed;
  }
}
