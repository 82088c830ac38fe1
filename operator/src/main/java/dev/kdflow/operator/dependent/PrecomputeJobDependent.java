package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;

/**
 * The soft-label precompute's Indexed Job ({@link PrecomputeJobs}). Created once per attempt and
 * never changed: a running Indexed Job's pod template is immutable, and a finished one is the
 * record that the shards exist. It carries no owner reference yet (JOSDK adds one only to
 * garbage-collected dependents).
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
}
