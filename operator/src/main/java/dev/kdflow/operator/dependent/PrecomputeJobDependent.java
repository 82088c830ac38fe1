package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import java.util.Optional;
import java.util.Set;

/**
 * The soft-label precompute's Indexed Job ({@link PrecomputeJobs}). Created once per attempt and
 * never changed: a running Indexed Job's pod template is immutable, and a finished one is the
 * record that the shards exist.
 *
 * <p>Create-only on purpose: JOSDK deletes a deletable (garbage-collected) dependent whose
 * reconcile precondition turns false, and the precompute's is false once training may start, which
 * would delete and re-create it in a loop. The experiment's controller reference is in {@link
 * PrecomputeJobs#job} instead, so Kubernetes' garbage collector deletes the Job and its pods with
 * the experiment; JOSDK still maps the Job's events to the experiment by the name and namespace
 * annotations it adds to a create-only dependent. A Job of an earlier attempt is deleted by the
 * reconciler when a new attempt starts.
 */
@KubernetesDependent(informer = @Informer(labelSelector = PrecomputeJobs.SELECTOR))
public class PrecomputeJobDependent extends KubernetesDependentResource<Job, KDExperiment>
    implements Creator<Job, KDExperiment> {

  @Override
  protected Job desired(KDExperiment primary, Context<KDExperiment> context) {
    String image =
        context
            .managedWorkflowAndDependentResourceContext()
            .get(OperatorConfig.class, OperatorConfig.class)
            .map(OperatorConfig::trainerImage)
            .orElse(OperatorConfig.DEFAULT_TRAINER_IMAGE);
    return PrecomputeJobs.job(primary, image);
  }

  /** Only a Job this experiment owns is its own; a namesake's is never taken for the shards. */
  @Override
  protected Optional<Job> selectTargetSecondaryResource(
      Set<Job> secondaryServerResources, KDExperiment primary, Context<KDExperiment> context) {
    return secondaryServerResources.stream()
        .filter(j -> PrecomputeJobs.isCurrent(j, primary))
        .findFirst();
  }
}
