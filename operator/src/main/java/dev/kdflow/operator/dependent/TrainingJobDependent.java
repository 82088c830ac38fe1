package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher.Result;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The training Job. Its pod template is immutable, so after creation only {@code suspend} is ever
 * changed (suspend/resume); anything else takes a new attempt (spec.restartNonce).
 */
@KubernetesDependent(informer = @Informer(labelSelector = ChildNames.MANAGED_BY_SELECTOR))
public class TrainingJobDependent extends CRUDKubernetesDependentResource<Job, KDExperiment> {

  @Override
  protected Job desired(KDExperiment primary, Context<KDExperiment> context) {
    String image =
        context
            .managedWorkflowAndDependentResourceContext()
            .get(OperatorConfig.class, OperatorConfig.class)
            .map(OperatorConfig::trainerImage)
            .orElse(OperatorConfig.DEFAULT_TRAINER_IMAGE);
    Job job = ChildResources.job(primary, image);
    if (ChildResources.queued(primary.getSpec())) {
      job.getMetadata()
          .getLabels()
          .put(
              KueueWorkloads.ACTIVE_LABEL,
              KueueWorkloads.activeLabel(ChildResources.suspendRequested(primary.getSpec())));
    }
    return job;
  }

  @Override
  public Result<Job> match(Job actual, KDExperiment primary, Context<KDExperiment> context) {
    return Result.nonComputed(
        Objects.equals(wantedSuspend(actual, primary), isSuspended(actual))
            && Objects.equals(wantedActiveLabel(primary), activeLabel(actual)));
  }

  /**
   * Changes {@code suspend} and, for a Kueue-queued Job, the active label and its Workload: Kueue
   * would unsuspend an admitted Job the user suspends; a deactivated Workload it leaves alone.
   */
  @Override
  public Job update(Job actual, Job desired, KDExperiment primary, Context<KDExperiment> context) {
    Job changed =
        new JobBuilder(actual)
            .editSpec()
            .withSuspend(wantedSuspend(actual, primary))
            .endSpec()
            .build();
    String active = wantedActiveLabel(primary);
    if (active != null) {
      changed.getMetadata().getLabels().put(KueueWorkloads.ACTIVE_LABEL, active);
    }
    changed.getMetadata().setManagedFields(null);
    Job updated = context.getClient().resource(changed).update();
    if (active != null) {
      KueueWorkloads.setActive(context.getClient(), updated, Boolean.parseBoolean(active));
    }
    return updated;
  }

  /** The active label a queued Job should carry; null when not queued. */
  static String wantedActiveLabel(KDExperiment primary) {
    return ChildResources.queued(primary.getSpec())
        ? KueueWorkloads.activeLabel(ChildResources.suspendRequested(primary.getSpec()))
        : null;
  }

  private static String activeLabel(Job job) {
    return job.getMetadata().getLabels() == null
        ? null
        : job.getMetadata().getLabels().get(KueueWorkloads.ACTIVE_LABEL);
  }

  /** Suspend as the spec says; a Kueue-queued Job is left to Kueue unless the user suspends it. */
  static boolean wantedSuspend(Job actual, KDExperiment primary) {
    if (ChildResources.suspendRequested(primary.getSpec())) {
      return true;
    }
    return ChildResources.queued(primary.getSpec()) && isSuspended(actual);
  }

  private static boolean isSuspended(Job job) {
    return job.getSpec() != null && Boolean.TRUE.equals(job.getSpec().getSuspend());
  }

  /** The experiment as controller: set on every apply, matched by UID (not by name). */
  @Override
  protected void addReferenceHandlingMetadata(Job desired, KDExperiment primary) {
    ControllerReference.set(desired, primary);
  }

  /** Only a Job this experiment owns is its own; a namesake's is never adopted or changed. */
  @Override
  protected Optional<Job> selectTargetSecondaryResource(
      Set<Job> secondaryServerResources, KDExperiment primary, Context<KDExperiment> context) {
    return ControllerReference.ownedBy(secondaryServerResources, primary, ChildNames.job(primary));
  }
}
