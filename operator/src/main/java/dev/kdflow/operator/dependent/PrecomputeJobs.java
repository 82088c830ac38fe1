package dev.kdflow.operator.dependent;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentSpec;
import dev.kdflow.api.PrecomputeSpec;
import dev.kdflow.api.trainer.TrainerImageContract;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Optional;

/**
 * The teacher soft-label precompute as an Indexed Job: {@code spec.kd.precompute.shards} pods, each
 * running {@code kdflow precompute-teacher} for the shard its completion index names, retried per
 * index ({@code backoffLimitPerIndex}). Its pods are the training pod's (same image, volumes,
 * resources and security) with another command, so the shards land in the experiment directory the
 * training Job reads.
 */
public final class PrecomputeJobs {
  /** The component label of the precompute Job and its pods. */
  public static final String COMPONENT = "precompute";

  /** Selects the precompute Jobs the operator manages. */
  public static final String SELECTOR =
      ChildNames.MANAGED_BY_SELECTOR + ",app.kubernetes.io/component=" + COMPONENT;

  private PrecomputeJobs() {}

  /** The spec's precompute section, when it asks for one (and has a teacher to run). */
  public static Optional<PrecomputeSpec> requested(KDExperimentSpec spec) {
    if (spec == null || spec.getTeacher() == null || spec.getKd() == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(spec.getKd().getPrecompute());
  }

  /** Shards of a requested precompute (its default when unset). */
  public static int shards(PrecomputeSpec p) {
    return p.getShards() != null ? p.getShards() : new PrecomputeSpec().getShards();
  }

  /**
   * The precompute Job of the experiment's current attempt: {@code <name>-precompute}, {@code
   * <name>-precompute-<attempt>} from the second attempt on (each attempt has its own checkpoint
   * directory, so its own soft labels).
   */
  public static String name(KDExperiment kdx) {
    int attempt = ChildNames.attempt(kdx);
    String base = kdx.getMetadata().getName() + "-precompute";
    return attempt <= 1 ? base : base + "-" + attempt;
  }

  /** The trainer's command for one shard; the shard is the pod's completion index. */
  public static List<String> command(KDExperimentSpec spec) {
    return List.of(
        TrainerImageContract.LAUNCHER,
        "precompute-teacher",
        TrainerImageContract.EXPERIMENT_FILE,
        "checkpoints.rootDir=" + ChildResources.mountPath(spec));
  }

  /** The Indexed Job, built from the training Job's pod. */
  public static Job job(KDExperiment kdx, String defaultImage) {
    PrecomputeSpec p =
        requested(kdx.getSpec())
            .orElseThrow(() -> new IllegalArgumentException("spec.kd.precompute is not set"));
    int shards = shards(p);
    Job training = ChildResources.job(kdx, defaultImage);
    Job job =
        new JobBuilder(training)
            .editMetadata()
            .withName(name(kdx))
            .addToLabels("app.kubernetes.io/component", COMPONENT)
            .endMetadata()
            .editSpec()
            .withCompletionMode("Indexed")
            .withCompletions(shards)
            .withParallelism(shards)
            .withBackoffLimitPerIndex(
                p.getBackoffLimitPerIndex() != null
                    ? p.getBackoffLimitPerIndex()
                    : new PrecomputeSpec().getBackoffLimitPerIndex())
            // per-index retries replace the Job-wide limit
            .withBackoffLimit(null)
            .editTemplate()
            .editMetadata()
            .addToLabels("app.kubernetes.io/component", COMPONENT)
            .endMetadata()
            .endTemplate()
            .endSpec()
            .build();
    Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    c.setCommand(command(kdx.getSpec()));
    // the precompute serves no status; its progress is the Job's count of finished indexes
    c.setPorts(List.of());
    // the experiment controls it: the garbage collector deletes it (and its pods) with the
    // experiment, and it is matched to the experiment by UID, never by name
    ControllerReference.set(job, kdx);
    return job;
  }

  /** Whether {@code job} is a precompute Job (of any attempt) that this experiment controls. */
  public static boolean isOwnPrecompute(Job job, KDExperiment kdx) {
    return job.getMetadata().getLabels() != null
        && COMPONENT.equals(job.getMetadata().getLabels().get("app.kubernetes.io/component"))
        && ControllerReference.isOwnedBy(job, kdx);
  }

  /** Whether {@code job} is this experiment's precompute Job of its current attempt. */
  public static boolean isCurrent(Job job, KDExperiment kdx) {
    return name(kdx).equals(job.getMetadata().getName()) && isOwnPrecompute(job, kdx);
  }

  /** Whether the Job completed: every index succeeded. */
  public static boolean complete(Job job) {
    return hasCondition(job, "Complete");
  }

  /** Whether the Job failed (an index used up its retries, or the deadline passed). */
  public static boolean failed(Job job) {
    return hasCondition(job, "Failed");
  }

  private static boolean hasCondition(Job job, String type) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
