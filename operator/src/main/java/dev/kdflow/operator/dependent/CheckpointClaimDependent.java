package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Matcher.Result;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The checkpoint claim the operator creates when spec.storage.size is set. Created once; its spec
 * is never changed and the operator never deletes it: it holds the checkpoints. Whether it goes
 * with the experiment is spec.storage.claimRetention: with Retain (the default) it has no owner
 * reference, so deleting the KDExperiment keeps it; with Delete it is owned by the experiment and
 * Kubernetes' garbage collector removes it. A change of claimRetention only adds or removes that
 * owner reference. The claim is found by its experiment label, not by an owner reference, so a
 * retained claim is picked up again by an experiment of the same name.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ChildNames.MANAGED_BY_SELECTOR))
public class CheckpointClaimDependent
    extends KubernetesDependentResource<PersistentVolumeClaim, KDExperiment>
    implements Creator<PersistentVolumeClaim, KDExperiment>,
        Updater<PersistentVolumeClaim, KDExperiment> {

  @Override
  protected PersistentVolumeClaim desired(KDExperiment primary, Context<KDExperiment> context) {
    return ChildResources.claim(primary);
  }

  @Override
  public Result<PersistentVolumeClaim> match(
      PersistentVolumeClaim actual, KDExperiment primary, Context<KDExperiment> context) {
    return Result.nonComputed(
        ownedBy(actual, primary) == ChildResources.claimDeletedWithExperiment(primary));
  }

  /** Adds or removes the experiment's owner reference; nothing else of the claim changes. */
  @Override
  public PersistentVolumeClaim update(
      PersistentVolumeClaim actual,
      PersistentVolumeClaim desired,
      KDExperiment primary,
      Context<KDExperiment> context) {
    List<OwnerReference> owners = new ArrayList<>();
    if (actual.getMetadata().getOwnerReferences() != null) {
      actual.getMetadata().getOwnerReferences().stream()
          .filter(o -> !o.getUid().equals(primary.getMetadata().getUid()))
          .forEach(owners::add);
    }
    if (desired.getMetadata().getOwnerReferences() != null) {
      owners.addAll(desired.getMetadata().getOwnerReferences());
    }
    PersistentVolumeClaim changed =
        new PersistentVolumeClaimBuilder(actual)
            .editMetadata()
            .withOwnerReferences(owners)
            .withManagedFields()
            .endMetadata()
            .build();
    return context.getClient().resource(changed).update();
  }

  /**
   * Never deletes. JOSDK deletes a dependent whose reconcile precondition stops holding (here: when
   * someone edits {@code spec.storage} after training); for this claim that would be the
   * checkpoints.
   */
  @Override
  public void delete(KDExperiment primary, Context<KDExperiment> context) {}

  @Override
  protected Optional<SecondaryToPrimaryMapper<PersistentVolumeClaim>> getSecondaryToPrimaryMapper(
      EventSourceContext<KDExperiment> context) {
    return Optional.of(CheckpointClaimDependent::experimentOf);
  }

  /** The experiment a claim belongs to, by its {@link ChildNames#EXPERIMENT_LABEL}. */
  static Set<ResourceID> experimentOf(PersistentVolumeClaim claim) {
    String owner =
        claim.getMetadata().getLabels() == null
            ? null
            : claim.getMetadata().getLabels().get(ChildNames.EXPERIMENT_LABEL);
    return owner == null
        ? Set.of()
        : Set.of(new ResourceID(owner, claim.getMetadata().getNamespace()));
  }

  private static boolean ownedBy(PersistentVolumeClaim claim, KDExperiment primary) {
    return claim.getMetadata().getOwnerReferences() != null
        && claim.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> o.getUid().equals(primary.getMetadata().getUid()));
  }
}
