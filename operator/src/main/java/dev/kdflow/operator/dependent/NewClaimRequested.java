package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Reconcile the checkpoint claim only when spec.storage.size asks for a new one. */
public class NewClaimRequested implements Condition<PersistentVolumeClaim, KDExperiment> {
  @Override
  public boolean isMet(
      DependentResource<PersistentVolumeClaim, KDExperiment> dependentResource,
      KDExperiment primary,
      Context<KDExperiment> context) {
    return ChildResources.wantsNewClaim(primary);
  }
}
