package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Reconcile the precompute Job only when spec.kd.precompute asks for one. */
public class PrecomputeRequested implements Condition<Job, KDExperiment> {
  @Override
  public boolean isMet(
      DependentResource<Job, KDExperiment> dependentResource,
      KDExperiment primary,
      Context<KDExperiment> context) {
    return PrecomputeJobs.requested(primary.getSpec()).isPresent();
  }
}
