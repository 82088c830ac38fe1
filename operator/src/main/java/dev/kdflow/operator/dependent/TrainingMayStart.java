package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * The training Job may be created (and, once created, kept): always without spec.kd.precompute;
 * with it, once the precompute Job of the attempt completed, i.e. every shard exists.
 */
public class TrainingMayStart implements Condition<Job, KDExperiment> {
  @Override
  public boolean isMet(
      DependentResource<Job, KDExperiment> dependentResource,
      KDExperiment primary,
      Context<KDExperiment> context) {
    if (PrecomputeJobs.requested(primary.getSpec()).isEmpty()
        || dependentResource.getSecondaryResource(primary, context).isPresent()) {
      return true;
    }
    return context.getSecondaryResources(Job.class).stream()
        .filter(j -> PrecomputeJobs.isCurrent(j, primary))
        .anyMatch(PrecomputeJobs::complete);
  }
}
