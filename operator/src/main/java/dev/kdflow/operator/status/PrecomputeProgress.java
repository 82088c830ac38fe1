package dev.kdflow.operator.status;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.PrecomputeSpec;
import dev.kdflow.api.PrecomputeStatus;
import dev.kdflow.operator.dependent.PrecomputeJobs;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The soft-label precompute on the status: {@code status.precompute} (shards done of total) and the
 * {@code Precomputed} condition, read from the Indexed Job. Before the training Job exists, the
 * precompute is what the experiment waits for (Ready says so), and a precompute that failed fails
 * the experiment.
 */
public final class PrecomputeProgress {
  /** Reason while shards are being computed. */
  public static final String COMPUTING = "Precomputing";

  /** Reason once every shard exists. */
  public static final String DONE = "AllShardsDone";

  /** Reason when a shard failed for good. */
  public static final String FAILED = "PrecomputeFailed";

  private PrecomputeProgress() {}

  /**
   * Adds the precompute's progress to a resolved status.
   *
   * @param s the status {@link StatusResolver#resolve} gave
   * @param kdx the experiment (its previous status gives the conditions' transition times)
   * @param job the precompute Job of the current attempt, or null before it exists
   * @param trainingStarted whether the training Job exists (its status then speaks for itself)
   * @param now the time
   */
  public static KDExperimentStatus apply(
      KDExperimentStatus s, KDExperiment kdx, Job job, boolean trainingStarted, Instant now) {
    Optional<PrecomputeSpec> requested = PrecomputeJobs.requested(kdx.getSpec());
    List<Condition> conditions = new ArrayList<>(s.getConditions());
    conditions.removeIf(c -> KDExperimentStatus.PRECOMPUTED.equals(c.getType()));
    if (requested.isEmpty()) {
      s.setPrecompute(null);
      s.setConditions(conditions);
      return s;
    }
    int shards = PrecomputeJobs.shards(requested.get());
    int succeeded =
        job == null || job.getStatus() == null || job.getStatus().getSucceeded() == null
            ? 0
            : job.getStatus().getSucceeded();
    int failed =
        job == null || job.getStatus() == null ? 0 : count(job.getStatus().getFailedIndexes());
    PrecomputeStatus p = new PrecomputeStatus();
    p.setJobName(PrecomputeJobs.name(kdx));
    p.setShards(shards);
    p.setSucceeded(succeeded);
    p.setFailed(failed);
    p.setSummary(succeeded + "/" + shards);
    s.setPrecompute(p);

    boolean complete = job != null && PrecomputeJobs.complete(job);
    boolean jobFailed = job != null && PrecomputeJobs.failed(job);
    String reason = complete ? DONE : jobFailed ? FAILED : COMPUTING;
    String message =
        complete
            ? "all " + shards + " shard(s) of teacher soft labels exist"
            : jobFailed
                ? "the precompute Job "
                    + p.getJobName()
                    + " failed: "
                    + failed
                    + " of "
                    + shards
                    + " shard(s) used up their retries"
                    + jobFailureMessage(job)
                : succeeded + " of " + shards + " shard(s) of teacher soft labels done";
    Long generation = kdx.getMetadata().getGeneration();
    conditions.add(
        condition(
            kdx,
            KDExperimentStatus.PRECOMPUTED,
            complete ? "True" : "False",
            reason,
            message,
            generation,
            now));
    if (!trainingStarted && !complete) {
      // the experiment waits for the precompute (or failed with it), not for a training Job
      s.setPhase(jobFailed ? Phase.FAILED : Phase.PENDING);
      replace(conditions, kdx, KDExperimentStatus.READY, "False", reason, message, generation, now);
      replace(
          conditions,
          kdx,
          KDExperimentStatus.SUCCEEDED,
          jobFailed ? "False" : "Unknown",
          reason,
          message,
          generation,
          now);
      replace(
          conditions,
          kdx,
          KDExperimentStatus.STALLED,
          jobFailed ? "True" : "False",
          reason,
          jobFailed ? message : null,
          generation,
          now);
      if (jobFailed && s.getCompletionTime() == null) {
        s.setCompletionTime(StatusResolver.format(now));
      }
    }
    s.setConditions(conditions);
    return s;
  }

  /** The number of indexes in a Job's index list such as {@code "1,3-5"}. */
  static int count(String indexes) {
    if (indexes == null || indexes.isBlank()) {
      return 0;
    }
    int n = 0;
    for (String part : indexes.split(",")) {
      String[] range = part.trim().split("-");
      n += range.length == 2 ? Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1 : 1;
    }
    return n;
  }

  private static String jobFailureMessage(Job job) {
    return job.getStatus().getConditions().stream()
        .filter(c -> "Failed".equals(c.getType()) && c.getMessage() != null)
        .map(c -> " (" + c.getMessage() + ")")
        .findFirst()
        .orElse("");
  }

  private static void replace(
      List<Condition> conditions,
      KDExperiment kdx,
      String type,
      String status,
      String reason,
      String message,
      Long generation,
      Instant now) {
    for (int i = 0; i < conditions.size(); i++) {
      if (type.equals(conditions.get(i).getType())) {
        conditions.set(i, condition(kdx, type, status, reason, message, generation, now));
      }
    }
  }

  private static Condition condition(
      KDExperiment kdx,
      String type,
      String status,
      String reason,
      String message,
      Long generation,
      Instant now) {
    String since =
        Optional.ofNullable(kdx.getStatus())
            .flatMap(old -> old.condition(type))
            .filter(c -> status.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .orElse(StatusResolver.format(now));
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(PodFailures.truncate(message))
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
