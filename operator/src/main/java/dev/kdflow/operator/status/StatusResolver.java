package dev.kdflow.operator.status;

import dev.kdflow.api.AttemptStatus;
import dev.kdflow.api.FailureStatus;
import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.ProgressStatus;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.operator.dependent.ChildNames;
import dev.kdflow.operator.dependent.ChildResources;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Computes a KDExperiment's status from what is observed: its Job and the Job's pods. Pure: the
 * same observations give the same status (the clock is only read for transitions), so an unchanged
 * world causes no status write.
 */
public final class StatusResolver {
  /** Condition reason for a spec the validator rejected. */
  public static final String INVALID_SPEC = "InvalidSpec";

  /**
   * Condition type: True when the spec changed after the current attempt's Job was built from it
   * (or after the experiment finished). Informational only: the Job keeps running, or the result
   * stays, with the spec it started with; a new {@code spec.restartNonce} applies the change. It
   * never touches Ready, Stalled or the phase, so every health check reads the other conditions.
   */
  public static final String RESTART_REQUIRED = "RestartRequired";

  /** RestartRequired reason: the spec differs from the one the Job was built from. */
  public static final String SPEC_CHANGED = "SpecChanged";

  /** RestartRequired reason: the spec is the one the Job was built from. */
  public static final String SPEC_APPLIED = "SpecApplied";

  /** Ready reason: a child's name is taken by an object this experiment does not control. */
  public static final String NAME_CONFLICT = "NameConflict";

  /** Ready reason: the Job was deleted while its pods still run; waiting for them to end. */
  public static final String JOB_DELETED = "JobDeleted";

  /** Ready reason: the API server refused a write (other than a quota). */
  public static final String API_ERROR = "ApiError";

  /** Ready reason: a ResourceQuota refused the Job or its pods. */
  public static final String QUOTA_EXCEEDED = "ResourceQuotaExceeded";

  /** Ready reason: the Job controller cannot create the training pod (its FailedCreate event). */
  public static final String FAILED_CREATE = "FailedCreate";

  private StatusResolver() {}

  /** What the phase is and why. */
  record Observation(Phase phase, String reason, String message) {}

  /**
   * The status of an experiment whose Job (possibly absent) and pods are as given.
   *
   * @param kdx the experiment, with its current status (may be null)
   * @param job the Job of the current attempt, or null
   * @param pods the pods of that Job
   * @param now the time, used only for transitions
   */
  public static KDExperimentStatus resolve(KDExperiment kdx, Job job, List<Pod> pods, Instant now) {
    return resolve(kdx, job, pods, null, now);
  }

  /**
   * The status of an experiment whose Job (possibly absent) and pods are as given, with what its
   * trainer reports. The report of the current pod counts: a live one (from {@code GET /status} of
   * the running trainer) while a pod is active, else the termination message of the pod that ended
   * last, which holds the exact final figures.
   *
   * @param kdx the experiment, with its current status (may be null)
   * @param job the Job of the current attempt, or null
   * @param pods the pods of that Job
   * @param live what the running trainer ({@link #trainerToPoll}) just reported, or null
   * @param now the time, used only for transitions and reports without a time
   */
  public static KDExperimentStatus resolve(
      KDExperiment kdx, Job job, List<Pod> pods, TrainerReport live, Instant now) {
    KDExperimentStatus old = kdx.getStatus() == null ? new KDExperimentStatus() : kdx.getStatus();
    KDExperimentStatus s = copy(old);
    s.setObservedGeneration(kdx.getMetadata().getGeneration());
    s.setObservedRestartNonce(kdx.getSpec().getRestartNonce());
    AttemptStatus attempt = s.getAttempt() == null ? new AttemptStatus() : s.getAttempt();
    if (attempt.getNumber() == null) {
      attempt.setNumber(1);
    }
    List<Pod> ordered =
        pods.stream().sorted(Comparator.comparing(StatusResolver::createdAt)).toList();
    List<Pod> failed = ordered.stream().filter(PodFailures::isFailed).toList();
    int restarts = failed.size();
    if (job != null && job.getStatus() != null && job.getStatus().getFailed() != null) {
      restarts = Math.max(restarts, job.getStatus().getFailed());
    }
    attempt.setRestarts(restarts);
    s.setAttempt(attempt);
    s.setJobName(ChildNames.job(kdx));

    if (!failed.isEmpty()) {
      s.setLastFailure(PodFailures.classify(failed.get(failed.size() - 1)));
    }
    Observation o = observe(kdx, job, ordered, s);
    s.setPhase(o.phase());

    TrainerReport report = live;
    if (ordered.stream().noneMatch(StatusResolver::isActive)) {
      report = lastEnded(ordered).flatMap(StatusResolver::finalReport).orElse(null);
    }
    if (report != null) {
      TrainerReportMapper.apply(s, report, CheckpointLocations.of(kdx), now);
    }

    Integer maxEpochs =
        kdx.getSpec().getTraining() == null ? null : kdx.getSpec().getTraining().getMaxEpochs();
    if (s.getProgress() == null && maxEpochs != null && job != null) {
      s.setProgress(ProgressStatus.ofEpochs(0, maxEpochs));
    }
    if (o.phase() == Phase.SUCCEEDED && maxEpochs != null) {
      ProgressStatus p = ProgressStatus.ofEpochs(maxEpochs, maxEpochs);
      if (s.getProgress() != null) {
        p.setStep(s.getProgress().getStep());
        p.setLastUpdateTime(s.getProgress().getLastUpdateTime());
      }
      p.setEtaSeconds(null);
      s.setProgress(p);
    }

    if (s.getStartTime() == null) {
      if (job != null && job.getStatus() != null && job.getStatus().getStartTime() != null) {
        s.setStartTime(job.getStatus().getStartTime());
      } else if (o.phase() == Phase.RUNNING) {
        s.setStartTime(format(now));
      }
    }
    if (o.phase().isTerminal() && s.getCompletionTime() == null) {
      s.setCompletionTime(completionTime(job).orElse(format(now)));
    }

    setConditions(s, old, o, restartRequired(kdx, job), kdx.getMetadata().getGeneration(), now);
    return s;
  }

  /** True when the Job was built from a spec other than the current one. */
  static boolean restartRequired(KDExperiment kdx, Job job) {
    String built = specHashOf(job);
    return built != null && !built.equals(ChildResources.specHash(kdx.getSpec()));
  }

  private static String specHashOf(Job job) {
    return job == null || job.getMetadata().getAnnotations() == null
        ? null
        : job.getMetadata().getAnnotations().get(ChildNames.SPEC_HASH_ANNOTATION);
  }

  /**
   * The status of a finished experiment observed at its current generation: the result (phase,
   * conditions' statuses, metrics) stays, every observedGeneration moves to the current generation
   * so waiting tools see the edit was seen, and RestartRequired says whether the edit changed what
   * a new attempt would run. Nothing is retrained until spec.restartNonce changes.
   *
   * @param job the finished attempt's Job if it still exists (its spec hash is then compared), else
   *     null: any spec edit after the end then counts as a change, and stays one
   */
  public static KDExperimentStatus finishedObservedAgain(KDExperiment kdx, Job job, Instant now) {
    KDExperimentStatus old = kdx.getStatus();
    KDExperimentStatus s = copy(old);
    Long generation = kdx.getMetadata().getGeneration();
    boolean changed;
    if (specHashOf(job) != null) {
      changed = restartRequired(kdx, job);
    } else {
      changed =
          !Objects.equals(old.getObservedGeneration(), generation)
              || old.condition(RESTART_REQUIRED)
                  .map(c -> "True".equals(c.getStatus()))
                  .orElse(false);
    }
    s.setObservedGeneration(generation);
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : Objects.requireNonNullElse(old.getConditions(), List.<Condition>of())) {
      if (!RESTART_REQUIRED.equals(c.getType())) {
        conditions.add(new ConditionBuilder(c).withObservedGeneration(generation).build());
      }
    }
    conditions.add(restartRequiredCondition(old, changed, generation, now));
    s.setConditions(conditions);
    return s;
  }

  /**
   * The status while the experiment cannot go on for a reason outside its Job: a child's name
   * taken, the deleted Job's pods still running, an API error. The phase stays (Pending when there
   * was none), Ready=False with the reason; {@code stalled} marks what needs the user
   * (Stalled=True).
   */
  public static KDExperimentStatus blocked(
      KDExperiment kdx, String reason, String message, boolean stalled, Instant now) {
    KDExperimentStatus old = kdx.getStatus() == null ? new KDExperimentStatus() : kdx.getStatus();
    KDExperimentStatus s = copy(old);
    Long generation = kdx.getMetadata().getGeneration();
    s.setObservedGeneration(generation);
    if (s.getPhase() == null) {
      s.setPhase(Phase.PENDING);
    }
    String text = PodFailures.truncate(message);
    List<Condition> conditions = new ArrayList<>();
    conditions.add(
        condition(old, KDExperimentStatus.READY, "False", reason, text, generation, now));
    conditions.add(
        kept(old, KDExperimentStatus.SUCCEEDED, generation)
            .orElse(
                condition(
                    old, KDExperimentStatus.SUCCEEDED, "Unknown", reason, text, generation, now)));
    conditions.add(
        condition(
            old,
            KDExperimentStatus.STALLED,
            stalled ? "True" : "False",
            reason,
            stalled ? text : null,
            generation,
            now));
    conditions.add(
        kept(old, KDExperimentStatus.SUSPENDED, generation)
            .orElse(
                condition(
                    old,
                    KDExperimentStatus.SUSPENDED,
                    "False",
                    "NotSuspended",
                    null,
                    generation,
                    now)));
    conditions.add(
        kept(old, RESTART_REQUIRED, generation)
            .orElse(restartRequiredCondition(old, false, generation, now)));
    s.setConditions(conditions);
    return s;
  }

  private static Optional<Condition> kept(KDExperimentStatus old, String type, Long generation) {
    return old.condition(type)
        .map(c -> new ConditionBuilder(c).withObservedGeneration(generation).build());
  }

  /**
   * A running attempt's status when the current generation's spec is invalid: the Job keeps running
   * the spec it was accepted with, the phase follows it, and Ready=False, Stalled=True with reason
   * InvalidSpec say the new generation cannot be applied until it is fixed.
   */
  public static KDExperimentStatus invalidWhileRunning(
      KDExperiment kdx, KDExperimentStatus running, List<ValidationProblem> problems, Instant now) {
    KDExperimentStatus old = kdx.getStatus() == null ? new KDExperimentStatus() : kdx.getStatus();
    KDExperimentStatus s = copy(running);
    String text =
        PodFailures.truncate(
            "the running Job keeps the spec it started with; the new spec is invalid: "
                + problems.stream()
                    .map(ValidationProblem::toString)
                    .collect(Collectors.joining("; ")));
    Long generation = kdx.getMetadata().getGeneration();
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : running.getConditions()) {
      boolean ready = KDExperimentStatus.READY.equals(c.getType());
      if (ready || KDExperimentStatus.STALLED.equals(c.getType())) {
        conditions.add(
            condition(
                old, c.getType(), ready ? "False" : "True", INVALID_SPEC, text, generation, now));
      } else {
        conditions.add(c);
      }
    }
    s.setConditions(conditions);
    return s;
  }

  /** The status of an experiment whose spec the validator rejected: no Job is made. */
  public static KDExperimentStatus invalid(
      KDExperiment kdx, List<ValidationProblem> problems, Instant now) {
    KDExperimentStatus old = kdx.getStatus() == null ? new KDExperimentStatus() : kdx.getStatus();
    KDExperimentStatus s = copy(old);
    s.setObservedGeneration(kdx.getMetadata().getGeneration());
    s.setPhase(Phase.FAILED);
    String message =
        PodFailures.truncate(
            problems.stream().map(ValidationProblem::toString).collect(Collectors.joining("; ")));
    Observation o = new Observation(Phase.FAILED, INVALID_SPEC, message);
    setConditions(s, old, o, false, kdx.getMetadata().getGeneration(), now);
    return s;
  }

  /**
   * The status at the start of a new attempt (spec.restartNonce changed): numbered one up, with the
   * previous attempt's progress, times and failure cleared. Metrics and checkpoints of earlier
   * attempts stay until the new attempt reports its own.
   */
  public static KDExperimentStatus restarted(KDExperiment kdx, Instant now) {
    KDExperimentStatus old = kdx.getStatus() == null ? new KDExperimentStatus() : kdx.getStatus();
    KDExperimentStatus s = copy(old);
    AttemptStatus a = new AttemptStatus();
    a.setNumber(ChildNames.attempt(kdx) + 1);
    a.setRestarts(0);
    s.setAttempt(a);
    s.setObservedGeneration(kdx.getMetadata().getGeneration());
    s.setObservedRestartNonce(kdx.getSpec().getRestartNonce());
    s.setStartTime(null);
    s.setCompletionTime(null);
    s.setLastFailure(null);
    s.setProgress(null);
    s.setPhase(Phase.PENDING);
    Observation o =
        new Observation(
            Phase.PENDING,
            "Restarting",
            "spec.restartNonce changed: starting attempt " + a.getNumber());
    setConditions(s, old, o, false, kdx.getMetadata().getGeneration(), now);
    return s;
  }

  /** The active pod whose trainer runs and can be asked for its progress, if any. */
  public static Optional<Pod> trainerToPoll(List<Pod> pods) {
    return pods.stream()
        .filter(StatusResolver::isActive)
        .filter(
            p ->
                trainerStatus(p)
                    .map(ContainerStatus::getState)
                    .map(st -> st.getRunning() != null)
                    .orElse(false))
        .max(Comparator.comparing(StatusResolver::createdAt));
  }

  /** The trainer's final report in the pod's termination message, if it wrote one. */
  static Optional<TrainerReport> finalReport(Pod pod) {
    return PodFailures.trainerTermination(pod)
        .map(ContainerStateTerminated::getMessage)
        .flatMap(TrainerReportMapper::parse);
  }

  /** The pod whose trainer ended last (by the time it finished, then by creation). */
  private static Optional<Pod> lastEnded(List<Pod> pods) {
    return pods.stream()
        .filter(p -> PodFailures.trainerTermination(p).isPresent())
        .max(
            Comparator.comparing(
                    (Pod p) ->
                        Objects.requireNonNullElse(
                            PodFailures.trainerTermination(p).get().getFinishedAt(), ""))
                .thenComparing(StatusResolver::createdAt));
  }

  /** Neither failed nor succeeded nor being deleted. */
  private static boolean isActive(Pod p) {
    return !PodFailures.isFailed(p)
        && !isSucceeded(p)
        && p.getMetadata().getDeletionTimestamp() == null;
  }

  /** True when the experiment finished (succeeded or failed while running a Job). */
  public static boolean isFinished(KDExperimentStatus status) {
    return status != null
        && status.getPhase() != null
        && status.getPhase().isTerminal()
        && status.getCompletionTime() != null;
  }

  private static Observation observe(
      KDExperiment kdx, Job job, List<Pod> pods, KDExperimentStatus s) {
    if (job == null) {
      return new Observation(Phase.PENDING, "JobNotCreated", "creating the training Job");
    }
    Optional<JobCondition> complete = trueCondition(job, "Complete");
    Optional<JobCondition> failed = trueCondition(job, "Failed");
    boolean deadline =
        failed.map(c -> PodFailures.DEADLINE_EXCEEDED.equals(c.getReason())).orElse(false);
    if ((complete.isPresent() || (failed.isPresent() && !deadline))
        && pods.stream().anyMatch(StatusResolver::isActive)) {
      // The Job controller ends a Job only after its pods ended; this pod cache has not seen it
      // yet. Wait for it: the pod's final state (termination message, exit code) is the result.
      return new Observation(
          Phase.RUNNING, "Finishing", "the Job has ended; waiting for its pod's final state");
    }
    if (complete.isPresent()) {
      return new Observation(Phase.SUCCEEDED, "Succeeded", "training finished");
    }
    if (failed.isPresent()) {
      String reason = failed.get().getReason();
      FailureStatus f = s.getLastFailure();
      if (PodFailures.DEADLINE_EXCEEDED.equals(reason)) {
        f = new FailureStatus();
        f.setReason(PodFailures.DEADLINE_EXCEEDED);
        f.setMessage(
            PodFailures.truncate(
                Objects.requireNonNullElse(
                    failed.get().getMessage(),
                    "the run exceeded spec.runPolicy.activeDeadlineSeconds")));
        f.setTime(failed.get().getLastTransitionTime());
        s.setLastFailure(f);
      } else if (f == null) {
        f = new FailureStatus();
        f.setReason(
            "BackoffLimitExceeded".equals(reason)
                ? PodFailures.BACKOFF_LIMIT_EXCEEDED
                : Objects.requireNonNullElse(reason, PodFailures.ERROR));
        f.setMessage(PodFailures.truncate(failed.get().getMessage()));
        f.setTime(failed.get().getLastTransitionTime());
        s.setLastFailure(f);
      }
      String message =
          f.getReason()
              + (f.getExitCode() != null ? " (exit code " + f.getExitCode() + ")" : "")
              + (f.getMessage() != null ? ": " + f.getMessage() : "");
      return new Observation(Phase.FAILED, f.getReason(), PodFailures.truncate(message));
    }
    if (job.getSpec() != null && Boolean.TRUE.equals(job.getSpec().getSuspend())) {
      if (ChildResources.queued(kdx.getSpec()) && !ChildResources.suspendRequested(kdx.getSpec())) {
        return new Observation(
            Phase.PENDING,
            "Queued",
            "waiting for Kueue to admit the Job in queue "
                + kdx.getSpec().getScheduling().getQueueName());
      }
      return new Observation(
          Phase.SUSPENDED,
          "Suspended",
          "suspended by spec.runPolicy.suspend; set it to false to resume");
    }
    List<Pod> active =
        pods.stream()
            .filter(p -> !PodFailures.isFailed(p) && !isSucceeded(p))
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .toList();
    if (active.isEmpty()) {
      if (pods.stream().anyMatch(StatusResolver::isSucceeded)) {
        return new Observation(
            Phase.RUNNING, "Finishing", "the trainer exited successfully; the Job is completing");
      }
      if (s.getLastFailure() != null && !pods.isEmpty()) {
        return new Observation(
            Phase.PENDING,
            "Retrying",
            "a training pod failed ("
                + s.getLastFailure().getReason()
                + "); waiting for the retry");
      }
      return new Observation(Phase.PENDING, "PodNotCreated", "waiting for the training pod");
    }
    Pod pod = active.get(active.size() - 1);
    Optional<ContainerStatus> trainer = trainerStatus(pod);
    if (trainer.isPresent()
        && trainer.get().getState() != null
        && trainer.get().getState().getRunning() != null) {
      return new Observation(
          Phase.RUNNING, "Running", "the trainer is running in pod " + pod.getMetadata().getName());
    }
    Optional<PodCondition> scheduled = podCondition(pod, "PodScheduled");
    if (scheduled.isPresent() && "True".equals(scheduled.get().getStatus())) {
      String waiting =
          trainer
              .map(ContainerStatus::getState)
              .filter(st -> st.getWaiting() != null)
              .map(
                  st ->
                      st.getWaiting().getReason()
                          + (st.getWaiting().getMessage() != null
                              ? ": " + st.getWaiting().getMessage()
                              : ""))
              .orElse("starting the trainer container");
      return new Observation(Phase.INITIALIZING, "Initializing", PodFailures.truncate(waiting));
    }
    String why =
        scheduled
            .map(c -> Objects.requireNonNullElse(c.getMessage(), c.getReason()))
            .orElse("the training pod is not scheduled yet");
    return new Observation(
        Phase.PENDING,
        "Unschedulable".equals(scheduled.map(PodCondition::getReason).orElse(null))
            ? "Unschedulable"
            : "PodPending",
        PodFailures.truncate(why));
  }

  private static void setConditions(
      KDExperimentStatus s,
      KDExperimentStatus old,
      Observation o,
      boolean restartRequired,
      Long generation,
      Instant now) {
    Phase p = o.phase();
    boolean invalid = INVALID_SPEC.equals(o.reason());
    List<Condition> conditions = new ArrayList<>();
    boolean ready = p == Phase.RUNNING || p == Phase.SUCCEEDED;
    conditions.add(
        condition(
            old,
            KDExperimentStatus.READY,
            ready ? "True" : "False",
            o.reason(),
            o.message(),
            generation,
            now));
    conditions.add(
        condition(
            old,
            KDExperimentStatus.SUCCEEDED,
            p == Phase.SUCCEEDED ? "True" : p == Phase.FAILED ? "False" : "Unknown",
            o.reason(),
            o.message(),
            generation,
            now));
    conditions.add(
        condition(
            old,
            KDExperimentStatus.STALLED,
            p == Phase.FAILED || invalid ? "True" : "False",
            o.reason(),
            p == Phase.FAILED || invalid ? o.message() : null,
            generation,
            now));
    conditions.add(
        condition(
            old,
            KDExperimentStatus.SUSPENDED,
            p == Phase.SUSPENDED ? "True" : "False",
            p == Phase.SUSPENDED ? "Suspended" : "NotSuspended",
            p == Phase.SUSPENDED ? o.message() : null,
            generation,
            now));
    conditions.add(restartRequiredCondition(old, restartRequired, generation, now));
    s.setConditions(conditions);
  }

  private static Condition restartRequiredCondition(
      KDExperimentStatus old, boolean required, Long generation, Instant now) {
    return condition(
        old,
        RESTART_REQUIRED,
        required ? "True" : "False",
        required ? SPEC_CHANGED : SPEC_APPLIED,
        required
            ? "the spec changed after this attempt's Job was built; the attempt keeps the spec it"
                + " started with; change spec.restartNonce to start a new attempt with the new spec"
            : null,
        generation,
        now);
  }

  private static Condition condition(
      KDExperimentStatus old,
      String type,
      String status,
      String reason,
      String message,
      Long generation,
      Instant now) {
    String since =
        old.condition(type)
            .filter(c -> status.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .orElse(format(now));
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }

  /** True when the Job controller ended the Job (condition Complete or Failed is True). */
  public static boolean jobEnded(Job job) {
    return trueCondition(job, "Complete").isPresent() || trueCondition(job, "Failed").isPresent();
  }

  private static Optional<JobCondition> trueCondition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  private static Optional<String> completionTime(Job job) {
    if (job == null || job.getStatus() == null) {
      return Optional.empty();
    }
    if (job.getStatus().getCompletionTime() != null) {
      return Optional.of(job.getStatus().getCompletionTime());
    }
    return trueCondition(job, "Failed").map(JobCondition::getLastTransitionTime);
  }

  private static Optional<ContainerStatus> trainerStatus(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(cs -> ChildNames.CONTAINER.equals(cs.getName()))
        .findFirst();
  }

  private static Optional<PodCondition> podCondition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  private static boolean isSucceeded(Pod pod) {
    return pod.getStatus() != null && "Succeeded".equals(pod.getStatus().getPhase());
  }

  private static String createdAt(Pod pod) {
    String ts = pod.getMetadata().getCreationTimestamp();
    return (ts == null ? "" : ts) + "/" + pod.getMetadata().getName();
  }

  /** RFC 3339 in UTC with second precision, as Kubernetes writes times. */
  public static String format(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  private static KDExperimentStatus copy(KDExperimentStatus s) {
    return Serialization.unmarshal(Serialization.asJson(s), KDExperimentStatus.class);
  }
}
