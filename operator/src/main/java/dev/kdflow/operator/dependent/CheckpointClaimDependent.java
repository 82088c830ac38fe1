package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher.Result;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The checkpoint claim the operator creates when spec.storage.size is set. Created once and never
 * changed or deleted by the operator: it holds the checkpoints. It carries an owner reference, so
 * deleting the KDExperiment lets Kubernetes' garbage collector remove it, as documented.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ChildNames.MANAGED_BY_SELECTOR))
public class CheckpointClaimDependent
    extends CRUDKubernetesDependentResource<PersistentVolumeClaim, KDExperiment> {

  @Override
  protected PersistentVolumeClaim desired(KDExperiment primary, Context<KDExperiment> context) {
    return ChildResources.claim(primary);
  }

  @Override
  public Result<PersistentVolumeClaim> match(
      PersistentVolumeClaim actual, KDExperiment primary, Context<KDExperiment> context) {
    return Result.nonComputed(true);
  }

  /**
   * Never deletes. JOSDK deletes a dependent whose reconcile precondition stops holding (here: when
   * someone edits {@code spec.storage} after training); for this claim that would be the
   * checkpoints.
   */
  @Override
  public void delete(KDExperiment primary, Context<KDExperiment> context) {}
}
