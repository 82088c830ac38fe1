package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names, labels and annotations of the objects the operator creates for an experiment. */
public final class ChildNames {
  /** Label carrying the experiment's name on every child. */
  public static final String EXPERIMENT_LABEL = "kdflow.dev/experiment";

  /** Label selecting everything the operator manages. */
  public static final String MANAGED_BY_SELECTOR = "app.kubernetes.io/managed-by=kdflow-operator";

  /** Annotation on the Job and ConfigMap: the attempt they belong to. */
  public static final String ATTEMPT_ANNOTATION = "kdflow.dev/attempt";

  /** Annotation on the Job: hash of the spec it was built from. */
  public static final String SPEC_HASH_ANNOTATION = "kdflow.dev/spec-hash";

  /** The trainer container's name. */
  public static final String CONTAINER = "trainer";

  private ChildNames() {}

  /** The training Job: named as the experiment. */
  public static String job(KDExperiment kdx) {
    return kdx.getMetadata().getName();
  }

  /** The ConfigMap holding experiment.yaml. */
  public static String configMap(KDExperiment kdx) {
    return kdx.getMetadata().getName() + "-experiment";
  }

  /** The checkpoint claim the operator creates when spec.storage.size is set. */
  public static String claim(KDExperiment kdx) {
    return kdx.getMetadata().getName() + "-checkpoints";
  }

  /** The labels every child carries. */
  public static Map<String, String> labels(KDExperiment kdx) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "kdflow-trainer");
    labels.put("app.kubernetes.io/instance", kdx.getMetadata().getName());
    labels.put("app.kubernetes.io/component", "training");
    labels.put("app.kubernetes.io/managed-by", "kdflow-operator");
    labels.put("app.kubernetes.io/part-of", "kdflow");
    labels.put(EXPERIMENT_LABEL, kdx.getMetadata().getName());
    return labels;
  }

  /** The attempt the experiment is on (1 before the first status is written). */
  public static int attempt(KDExperiment kdx) {
    if (kdx.getStatus() == null
        || kdx.getStatus().getAttempt() == null
        || kdx.getStatus().getAttempt().getNumber() == null) {
      return 1;
    }
    return kdx.getStatus().getAttempt().getNumber();
  }
}
