package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher.Result;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.Optional;
import java.util.Set;

/**
 * The ConfigMap holding the experiment manifest the trainer runs. Written once per attempt: the
 * trainer of a running Job must read the same manifest when a pod is retried.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ChildNames.MANAGED_BY_SELECTOR))
public class ExperimentConfigMapDependent
    extends CRUDKubernetesDependentResource<ConfigMap, KDExperiment> {

  @Override
  protected ConfigMap desired(KDExperiment primary, Context<KDExperiment> context) {
    return ChildResources.configMap(primary);
  }

  /** Kept as written for the current attempt; one left from an earlier attempt is replaced. */
  @Override
  public Result<ConfigMap> match(
      ConfigMap actual, KDExperiment primary, Context<KDExperiment> context) {
    String attempt =
        actual.getMetadata().getAnnotations() == null
            ? null
            : actual.getMetadata().getAnnotations().get(ChildNames.ATTEMPT_ANNOTATION);
    return Result.nonComputed(String.valueOf(ChildNames.attempt(primary)).equals(attempt));
  }

  /** The experiment as controller: set on every apply, matched by UID (not by name). */
  @Override
  protected void addReferenceHandlingMetadata(ConfigMap desired, KDExperiment primary) {
    ControllerReference.set(desired, primary);
  }

  /** Only a ConfigMap this experiment owns is its own; a namesake's is never adopted or changed. */
  @Override
  protected Optional<ConfigMap> selectTargetSecondaryResource(
      Set<ConfigMap> secondaryServerResources,
      KDExperiment primary,
      Context<KDExperiment> context) {
    return ControllerReference.ownedBy(
        secondaryServerResources, primary, ChildNames.configMap(primary));
  }
}
