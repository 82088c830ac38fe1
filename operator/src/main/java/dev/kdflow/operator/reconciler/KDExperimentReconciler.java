package dev.kdflow.operator.reconciler;

import dev.kdflow.api.KDExperiment;
import dev.kdflow.api.KDExperimentStatus;
import dev.kdflow.api.KDExperimentStatus.Phase;
import dev.kdflow.api.trainer.TrainerReport;
import dev.kdflow.api.validation.KDExperimentValidator;
import dev.kdflow.api.validation.ValidationProblem;
import dev.kdflow.operator.OperatorConfig;
import dev.kdflow.operator.dependent.CheckpointClaimDependent;
import dev.kdflow.operator.dependent.ChildNames;
import dev.kdflow.operator.dependent.ChildResources;
import dev.kdflow.operator.dependent.ExperimentConfigMapDependent;
import dev.kdflow.operator.dependent.NewClaimRequested;
import dev.kdflow.operator.dependent.PrecomputeJobDependent;
import dev.kdflow.operator.dependent.PrecomputeJobs;
import dev.kdflow.operator.dependent.PrecomputeRequested;
import dev.kdflow.operator.dependent.TrainingJobDependent;
import dev.kdflow.operator.dependent.TrainingMayStart;
import dev.kdflow.operator.status.MissingClaims;
import dev.kdflow.operator.status.PodFailures;
import dev.kdflow.operator.status.PrecomputeProgress;
import dev.kdflow.operator.status.StatusResolver;
import dev.kdflow.operator.trainer.HttpTrainerStatusSource;
import dev.kdflow.operator.trainer.TrainerPoller;
import dev.kdflow.operator.trainer.TrainerReportEventSource;
import dev.kdflow.operator.trainer.TrainerStatusSource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observe, validate, reconcile: turns a KDExperiment into a ConfigMap, an optional checkpoint
 * claim, an optional soft-label precompute (Indexed Job) and a training Job, and reports what they
 * do in the status. A finished experiment never gets a new Job unless spec.restartNonce changes.
 */
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "experiment-config", type = ExperimentConfigMapDependent.class),
      @Dependent(
          name = "checkpoint-claim",
          type = CheckpointClaimDependent.class,
          reconcilePrecondition = NewClaimRequested.class),
      @Dependent(
          name = "precompute-job",
          type = PrecomputeJobDependent.class,
          dependsOn = "experiment-config",
          reconcilePrecondition = PrecomputeRequested.class),
      @Dependent(
          name = "training-job",
          type = TrainingJobDependent.class,
          dependsOn = "experiment-config",
          reconcilePrecondition = TrainingMayStart.class)
    })
public class KDExperimentReconciler implements Reconciler<KDExperiment> {
  private static final Logger LOG = LoggerFactory.getLogger(KDExperimentReconciler.class);

  /** Name of the pod event source. */
  public static final String PODS = "training-pods";

  /**
   * Reason of the Warning event for a spec that runs, but probably not as meant (e.g. a teacher
   * without weights); recorded once per generation.
   */
  public static final String SPEC_WARNING = "SpecWarning";

  private static final Duration STALE_JOB_RECHECK = Duration.ofSeconds(2);

  private final OperatorConfig config;
  private final TrainerPoller trainers;
  private final Supplier<Instant> clock;
  private final String instance;
  private final AtomicLong reconciliations = new AtomicLong();
  private final Map<String, AtomicLong> reconciliationsByName = new ConcurrentHashMap<>();

  /**
   * A reconciler with the given configuration, the system clock, and trainers asked over the pod
   * network.
   */
  public KDExperimentReconciler(OperatorConfig config) {
    this(config, HttpTrainerStatusSource.podNetwork(), Instant::now);
  }

  /**
   * A reconciler with the given configuration, trainer status source and clock.
   *
   * @param config the operator's configuration
   * @param trainers asked for a running trainer's progress about once per poll interval while
   *     Running, off the reconcile threads (see {@link TrainerPoller})
   * @param clock the time
   */
  public KDExperimentReconciler(
      OperatorConfig config, TrainerStatusSource trainers, Supplier<Instant> clock) {
    this.config = config;
    this.trainers = new TrainerPoller(trainers, config.pollInterval());
    this.clock = clock;
    this.instance = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("kdflow-operator");
  }

  /** How many reconciliations ran (for metrics and tests). */
  public long reconciliations() {
    return reconciliations.get();
  }

  /** How many reconciliations of one experiment ran. */
  public long reconciliations(String namespace, String name) {
    AtomicLong n = reconciliationsByName.get(namespace + "/" + name);
    return n == null ? 0 : n.get();
  }

  @Override
  public List<EventSource<?, KDExperiment>> prepareEventSources(
      EventSourceContext<KDExperiment> context) {
    var pods =
        InformerEventSourceConfiguration.from(Pod.class, KDExperiment.class)
            .withName(PODS)
            .withLabelSelector(ChildNames.MANAGED_BY_SELECTOR)
            .withSecondaryToPrimaryMapper(
                (Pod pod) -> {
                  String owner =
                      pod.getMetadata().getLabels() == null
                          ? null
                          : pod.getMetadata().getLabels().get(ChildNames.EXPERIMENT_LABEL);
                  return owner == null
                      ? Set.of()
                      : Set.of(new ResourceID(owner, pod.getMetadata().getNamespace()));
                })
            .build();
    return List.of(
        new InformerEventSource<>(pods, context), new TrainerReportEventSource(trainers));
  }

  @Override
  public UpdateControl<KDExperiment> reconcile(KDExperiment kdx, Context<KDExperiment> context) {
    reconciliations.incrementAndGet();
    reconciliationsByName
        .computeIfAbsent(
            kdx.getMetadata().getNamespace() + "/" + kdx.getMetadata().getName(),
            k -> new AtomicLong())
        .incrementAndGet();
    Instant now = clock.get();
    KDExperimentStatus old = kdx.getStatus();
    EventRecorder events = new EventRecorder(context.getClient(), instance);

    boolean restartRequested =
        old != null
            && old.getAttempt() != null
            && !Objects.equals(
                old.getObservedRestartNonce(),
                kdx.getSpec() == null ? null : kdx.getSpec().getRestartNonce());

    // 1. A finished experiment keeps its result; only its children expire. A later spec edit is
    // observed (observedGeneration moves on, RestartRequired says whether it changed the run)
    // but retrains nothing until spec.restartNonce changes.
    if (StatusResolver.isFinished(old) && !restartRequested) {
      Optional<Duration> expiry = expireChildren(kdx, context, now);
      KDExperimentStatus again =
          StatusResolver.finishedObservedAgain(kdx, ownJob(kdx, context).orElse(null), now);
      UpdateControl<KDExperiment> control =
          Objects.equals(again, old) ? UpdateControl.noUpdate() : writeStatus(kdx, again, context);
      if (!Objects.equals(again, old)
          && isTrue(again, StatusResolver.RESTART_REQUIRED)
          && !isTrue(old, StatusResolver.RESTART_REQUIRED)) {
        events.normal(
            kdx,
            StatusResolver.RESTART_REQUIRED,
            "the spec changed after the experiment finished; the result stays; change"
                + " spec.restartNonce to train again with the new spec");
      }
      expiry.ifPresent(control::rescheduleAfter);
      return control;
    }

    // 2. Validate: nothing is created for a spec the trainer would reject. Warnings (the trainer
    // runs it, but probably not as meant) are said once per generation, as an Event.
    List<ValidationProblem> found = KDExperimentValidator.validate(kdx);
    List<ValidationProblem> problems = found.stream().filter(ValidationProblem::isError).toList();
    if (!problems.isEmpty()) {
      Optional<Job> running =
          ownJob(kdx, context).filter(j -> attemptOf(j) == ChildNames.attempt(kdx));
      KDExperimentStatus invalid =
          running.isPresent()
              // A Job accepted earlier keeps running the spec it started with: an invalid edit
              // neither kills it nor hides its progress; the new generation is Stalled.
              ? StatusResolver.invalidWhileRunning(
                  kdx, observe(kdx, context, running.get(), now), problems, now)
              : StatusResolver.invalid(kdx, problems, now);
      if (!isInvalid(old)) {
        LOG.info("{} is invalid: {}", kdx.getMetadata().getName(), problems);
        events.warning(
            kdx,
            StatusResolver.INVALID_SPEC,
            invalid.condition(KDExperimentStatus.STALLED).get().getMessage());
      }
      UpdateControl<KDExperiment> control =
          Objects.equals(invalid, old)
              ? UpdateControl.noUpdate()
              : writeStatus(kdx, invalid, context);
      if (running.isPresent()) {
        control.rescheduleAfter(config.pollInterval());
      }
      return control;
    }

    List<ValidationProblem> warnings = found.stream().filter(p -> !p.isError()).toList();
    if (!warnings.isEmpty()
        && (old == null
            || !Objects.equals(old.getObservedGeneration(), kdx.getMetadata().getGeneration()))) {
      LOG.info("{} has warnings: {}", kdx.getMetadata().getName(), warnings);
      events.warning(
          kdx,
          SPEC_WARNING,
          PodFailures.truncate(
              warnings.stream()
                  .map(ValidationProblem::toString)
                  .collect(Collectors.joining("; "))));
    }

    // 3. A changed restartNonce starts a new attempt: the old Job and manifest go first.
    if (restartRequested) {
      deleteChildren(kdx, context);
      KDExperimentStatus restarted = StatusResolver.restarted(kdx, now);
      events.normal(
          kdx,
          "Restarting",
          "spec.restartNonce changed: starting attempt " + restarted.getAttempt().getNumber());
      return writeStatus(kdx, restarted, context).rescheduleAfter(STALE_JOB_RECHECK);
    }

    // 4. A child's name held by an object this experiment does not own (matched by owner UID:
    // the Job of a deleted predecessor of the same name, or an unmanaged object) is never
    // adopted: wait for the garbage collector, or say what blocks.
    Optional<ChildOwnership.Clash> clash =
        ChildOwnership.clash(namedJob(kdx, context, ChildNames.job(kdx)), kdx)
            .or(() -> ChildOwnership.clash(namedConfigMap(kdx, context), kdx))
            .or(
                () ->
                    PrecomputeJobs.requested(kdx.getSpec()).isPresent()
                        ? ChildOwnership.clash(
                            namedJob(kdx, context, PrecomputeJobs.name(kdx)), kdx)
                        : Optional.empty());
    if (clash.isPresent()) {
      return block(
          kdx,
          context,
          old,
          events,
          StatusResolver.NAME_CONFLICT,
          clash.get().message(),
          clash.get().needsUser(),
          now);
    }

    // 5. Wait until a Job of an earlier attempt is gone before creating this attempt's Job.
    int attempt = ChildNames.attempt(kdx);
    Optional<Job> cachedJob = ownJob(kdx, context);
    if (cachedJob.isPresent() && attemptOf(cachedJob.get()) != attempt) {
      LOG.debug("waiting for the Job of attempt {} to go", attemptOf(cachedJob.get()));
      if (cachedJob.get().getMetadata().getDeletionTimestamp() == null) {
        deleteJob(cachedJob.get(), context);
      }
      return UpdateControl.<KDExperiment>noUpdate().rescheduleAfter(STALE_JOB_RECHECK);
    }

    // 6. Claims the user names must exist; otherwise say which, rather than leave a pod Pending.
    if (cachedJob.isEmpty()) {
      Optional<KDExperimentStatus> waiting =
          MissingClaims.waiting(kdx, claim -> claimExists(context, kdx, claim), now);
      if (waiting.isPresent()) {
        if (!MissingClaims.isWaiting(old)) {
          events.warning(
              kdx,
              MissingClaims.CLAIM_NOT_FOUND,
              waiting.get().condition(KDExperimentStatus.READY).get().getMessage());
        }
        UpdateControl<KDExperiment> wait =
            Objects.equals(waiting.get(), old)
                ? UpdateControl.noUpdate()
                : writeStatus(kdx, waiting.get(), context);
        return wait.rescheduleAfter(config.pollInterval());
      }
    }

    // 7. A Job deleted while its pods still run (deleted by hand, or with --cascade=orphan): a
    // new Job would start a second trainer writing the same checkpoints. Wait until every pod of
    // the experiment is gone or ended; the new Job then resumes from ckpt_latest.
    boolean jobGoing =
        cachedJob.isPresent() && cachedJob.get().getMetadata().getDeletionTimestamp() != null;
    if (cachedJob.isEmpty() || jobGoing) {
      Optional<Pod> leftover =
          context.getSecondaryResources(Pod.class).stream()
              .filter(p -> !isPrecomputePod(p))
              .filter(p -> p.getMetadata().getDeletionTimestamp() != null || isLive(p))
              .findFirst();
      if (leftover.isEmpty() && hadPods(old)) {
        // The Job went after its pods ran: ask the API server too, not only a cache that may
        // not have caught up, before starting a second trainer on the same checkpoints.
        leftover =
            context
                .getClient()
                .pods()
                .inNamespace(kdx.getMetadata().getNamespace())
                .withLabel(ChildNames.EXPERIMENT_LABEL, kdx.getMetadata().getName())
                .list()
                .getItems()
                .stream()
                .filter(p -> !isPrecomputePod(p))
                .filter(p -> p.getMetadata().getDeletionTimestamp() != null || isLive(p))
                .findFirst();
      }
      if (leftover.isPresent()) {
        return block(
            kdx,
            context,
            old,
            events,
            StatusResolver.JOB_DELETED,
            "the Job "
                + ChildNames.job(kdx)
                + " is gone but its pod "
                + leftover.get().getMetadata().getName()
                + " has not ended; a new Job for attempt "
                + attempt
                + " starts (resuming from ckpt_latest) once it is gone",
            false,
            now);
      }
    }

    if (jobGoing) {
      // Never apply to a Job being deleted: the next one is created once it is gone.
      return UpdateControl.<KDExperiment>noUpdate().rescheduleAfter(STALE_JOB_RECHECK);
    }
    context.managedWorkflowAndDependentResourceContext().put(OperatorConfig.class, config);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();

    Job job = ownJob(kdx, context).filter(j -> attemptOf(j) == attempt).orElse(null);
    KDExperimentStatus status = observe(kdx, context, job, now);
    if (isJobDeleted(old) && job != null) {
      events.normal(kdx, "JobRecreated", "the deleted Job's pods are gone: created the Job again");
    }
    status = podCreationFailure(kdx, context, job, status, now);
    if (isPodCreationReason(readyReason(status)) && !sameReadyReason(old, status)) {
      events.warning(
          kdx, readyReason(status), status.condition(KDExperimentStatus.READY).get().getMessage());
    }
    announce(kdx, old, status, events);

    UpdateControl<KDExperiment> control =
        Objects.equals(status, old) ? UpdateControl.noUpdate() : writeStatus(kdx, status, context);
    if (status.getPhase() != null && !status.getPhase().isTerminal()) {
      control.rescheduleAfter(config.pollInterval());
    } else if (StatusResolver.isFinished(status)) {
      ttlRemaining(kdx, status, now).ifPresent(control::rescheduleAfter);
    }
    return control;
  }

  /**
   * Shows API errors in the status: a ResourceQuota refusing the Job, a refused write. The phase is
   * never left empty, Ready=False names the error, and an Event says it once.
   */
  @Override
  public ErrorStatusUpdateControl<KDExperiment> updateErrorStatus(
      KDExperiment kdx, Context<KDExperiment> context, Exception e) {
    KubernetesClientException api = apiException(e);
    String message =
        api != null && api.getStatus() != null && api.getStatus().getMessage() != null
            ? api.getStatus().getMessage()
            : Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
    String reason =
        message.contains("exceeded quota")
            ? StatusResolver.QUOTA_EXCEEDED
            : StatusResolver.API_ERROR;
    LOG.warn("{}: {}: {}", kdx.getMetadata().getName(), reason, message);
    KDExperimentStatus old = kdx.getStatus();
    KDExperimentStatus status = StatusResolver.blocked(kdx, reason, message, false, clock.get());
    if (!sameReadyReason(old, status)) {
      new EventRecorder(context.getClient(), instance).warning(kdx, reason, message);
    }
    return Objects.equals(status, old)
        ? ErrorStatusUpdateControl.noStatusUpdate()
        : ErrorStatusUpdateControl.patchStatus(withStatus(kdx, status));
  }

  private static KubernetesClientException apiException(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k) {
        return k;
      }
    }
    return null;
  }

  /** The experiment's status from its Job (of this attempt, or null) and the Job's pods. */
  private KDExperimentStatus observe(
      KDExperiment kdx, Context<KDExperiment> context, Job job, Instant now) {
    List<Pod> pods =
        job == null
            ? List.of()
            : context.getSecondaryResources(Pod.class).stream()
                .filter(p -> ownedBy(p, job))
                .toList();
    // While the trainer runs, take its last report; the poller asks it again in the background
    // (this reconciliation recurs every poll interval, and a new report triggers one). Once it
    // ended, the resolver reads its termination message instead.
    ResourceID id = ResourceID.fromResource(kdx);
    Optional<Pod> running = job == null ? Optional.empty() : StatusResolver.trainerToPoll(pods);
    if (running.isEmpty()) {
      trainers.forget(id);
    }
    TrainerReport live =
        running
            .flatMap(pod -> trainers.latest(id, pod, ChildResources.checkpointDirName(kdx)))
            .orElse(null);
    return PrecomputeProgress.apply(
        StatusResolver.resolve(kdx, job, pods, live, now),
        kdx,
        precomputeJob(kdx, context).orElse(null),
        job != null,
        now);
  }

  /**
   * A Job without pods whose controller cannot create them (a ResourceQuota, an admission webhook)
   * says so in FailedCreate events only: show the latest in the status instead of a silent Pending.
   */
  private static KDExperimentStatus podCreationFailure(
      KDExperiment kdx,
      Context<KDExperiment> context,
      Job job,
      KDExperimentStatus status,
      Instant now) {
    if (job == null
        || status.getPhase() != Phase.PENDING
        || !status
            .condition(KDExperimentStatus.READY)
            .map(c -> "PodNotCreated".equals(c.getReason()) || isPodCreationReason(c.getReason()))
            .orElse(false)) {
      return status;
    }
    Optional<Event> failed;
    try {
      failed =
          context
              .getClient()
              .v1()
              .events()
              .inNamespace(kdx.getMetadata().getNamespace())
              .withField("involvedObject.uid", job.getMetadata().getUid())
              .withField("reason", StatusResolver.FAILED_CREATE)
              .list()
              .getItems()
              .stream()
              .max(
                  Comparator.comparing(
                      (Event e) ->
                          Objects.requireNonNullElse(
                              e.getLastTimestamp(),
                              Objects.requireNonNullElse(
                                  e.getMetadata().getCreationTimestamp(), ""))));
    } catch (KubernetesClientException e) {
      // Without "list" on events (older RBAC) the status stays as resolved: Pending.
      LOG.debug(
          "cannot list the events of Job {}: {}", job.getMetadata().getName(), e.getMessage());
      return status;
    }
    if (failed.isEmpty()) {
      return status;
    }
    String message = Objects.requireNonNullElse(failed.get().getMessage(), "");
    String reason =
        message.contains("exceeded quota")
            ? StatusResolver.QUOTA_EXCEEDED
            : StatusResolver.FAILED_CREATE;
    KDExperiment observed = new KDExperiment();
    observed.setMetadata(kdx.getMetadata());
    observed.setSpec(kdx.getSpec());
    observed.setStatus(kdx.getStatus());
    KDExperimentStatus blocked =
        StatusResolver.blocked(
            observed, reason, "the Job cannot create its pod: " + message, false, now);
    // Keep everything the resolver found (phase, attempt, progress); only the conditions say why.
    status.setConditions(blocked.getConditions());
    return status;
  }

  private static boolean isPodCreationReason(String reason) {
    return StatusResolver.FAILED_CREATE.equals(reason)
        || StatusResolver.QUOTA_EXCEEDED.equals(reason);
  }

  private UpdateControl<KDExperiment> block(
      KDExperiment kdx,
      Context<KDExperiment> context,
      KDExperimentStatus old,
      EventRecorder events,
      String reason,
      String message,
      boolean needsUser,
      Instant now) {
    KDExperimentStatus status = StatusResolver.blocked(kdx, reason, message, needsUser, now);
    if (!sameReadyReason(old, status)) {
      LOG.info("{}: {}: {}", kdx.getMetadata().getName(), reason, message);
      events.warning(kdx, reason, message);
    }
    UpdateControl<KDExperiment> control =
        Objects.equals(status, old) ? UpdateControl.noUpdate() : writeStatus(kdx, status, context);
    return control.rescheduleAfter(needsUser ? config.pollInterval() : STALE_JOB_RECHECK);
  }

  private static boolean sameReadyReason(KDExperimentStatus a, KDExperimentStatus b) {
    return Objects.equals(readyReason(a), readyReason(b));
  }

  private static String readyReason(KDExperimentStatus s) {
    return s == null
        ? null
        : s.condition(KDExperimentStatus.READY).map(Condition::getReason).orElse(null);
  }

  private static boolean isTrue(KDExperimentStatus s, String type) {
    return s != null && s.condition(type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  private static boolean isJobDeleted(KDExperimentStatus s) {
    return s != null
        && s.condition(KDExperimentStatus.READY)
            .map(c -> StatusResolver.JOB_DELETED.equals(c.getReason()))
            .orElse(false);
  }

  /** True when the last status saw a pod of the attempt (so a missing Job was deleted). */
  private static boolean hadPods(KDExperimentStatus s) {
    return s != null
        && !StatusResolver.isFinished(s)
        && (s.getPhase() == Phase.INITIALIZING
            || s.getPhase() == Phase.RUNNING
            || s.getPhase() == Phase.SUSPENDED
            || isJobDeleted(s));
  }

  private static boolean isLive(Pod p) {
    return p.getStatus() == null
        || !("Succeeded".equals(p.getStatus().getPhase())
            || "Failed".equals(p.getStatus().getPhase()));
  }

  /** This experiment's Job (owner UID match) from the cache, of whichever attempt. */
  private static Optional<Job> ownJob(KDExperiment kdx, Context<KDExperiment> context) {
    return context.getSecondaryResources(Job.class).stream()
        .filter(j -> ChildNames.job(kdx).equals(j.getMetadata().getName()))
        .filter(j -> ChildOwnership.ownedBy(j, kdx))
        .findFirst();
  }

  /**
   * The object holding the Job's name: from the cache (managed objects), else asked of the API
   * server, since an unmanaged object is not in the label-filtered cache.
   */
  /** The Job holding {@code name} in the experiment's namespace, whoever owns it; or null. */
  private static Job namedJob(KDExperiment kdx, Context<KDExperiment> context, String name) {
    return context.getSecondaryResources(Job.class).stream()
        .filter(j -> name.equals(j.getMetadata().getName()))
        .findFirst()
        .orElseGet(
            () ->
                context
                    .getClient()
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(kdx.getMetadata().getNamespace())
                    .withName(name)
                    .get());
  }

  private static ConfigMap namedConfigMap(KDExperiment kdx, Context<KDExperiment> context) {
    return context.getSecondaryResources(ConfigMap.class).stream()
        .filter(c -> ChildNames.configMap(kdx).equals(c.getMetadata().getName()))
        .findFirst()
        .orElseGet(
            () ->
                context
                    .getClient()
                    .configMaps()
                    .inNamespace(kdx.getMetadata().getNamespace())
                    .withName(ChildNames.configMap(kdx))
                    .get());
  }

  /** Deletes expired children; the time until they expire, if they ever do and are not due. */
  private static Optional<Duration> expireChildren(
      KDExperiment kdx, Context<KDExperiment> context, Instant now) {
    Optional<Duration> remaining = ttlRemaining(kdx, kdx.getStatus(), now);
    if (remaining.isEmpty()) {
      return Optional.empty();
    }
    if (!remaining.get().isZero()) {
      return remaining;
    }
    if (ownJob(kdx, context).isPresent()
        || context.getSecondaryResources(Job.class).stream()
            .anyMatch(j -> PrecomputeJobs.isOwnPrecompute(j, kdx))
        || context.getSecondaryResources(ConfigMap.class).stream()
            .anyMatch(c -> ChildOwnership.ownedBy(c, kdx))) {
      LOG.info(
          "{} finished more than ttlSecondsAfterFinished ago: deleting its Jobs and ConfigMap",
          kdx.getMetadata().getName());
      deleteChildren(kdx, context);
    }
    return Optional.empty();
  }

  /** Time until the children of a finished experiment expire; zero when due; empty if never. */
  static Optional<Duration> ttlRemaining(KDExperiment kdx, KDExperimentStatus status, Instant now) {
    Integer ttl =
        kdx.getSpec() == null || kdx.getSpec().getRunPolicy() == null
            ? null
            : kdx.getSpec().getRunPolicy().getTtlSecondsAfterFinished();
    if (ttl == null || status == null || status.getCompletionTime() == null) {
      return Optional.empty();
    }
    Instant due;
    try {
      due = Instant.parse(status.getCompletionTime()).plusSeconds(ttl);
    } catch (java.time.format.DateTimeParseException e) {
      return Optional.empty();
    }
    Duration left = Duration.between(now, due);
    return Optional.of(left.isNegative() ? Duration.ZERO : left);
  }

  private static boolean claimExists(
      Context<KDExperiment> context, KDExperiment kdx, String claim) {
    return context
            .getClient()
            .persistentVolumeClaims()
            .inNamespace(kdx.getMetadata().getNamespace())
            .withName(claim)
            .get()
        != null;
  }

  /**
   * Deletes this experiment's own Job, precompute Jobs and ConfigMap (owner UID match), never a
   * namesake's. A new attempt computes its soft labels into its own directory, so the previous
   * attempt's precompute (running or done) is of no use to it.
   */
  private static void deleteChildren(KDExperiment kdx, Context<KDExperiment> context) {
    ownJob(kdx, context).ifPresent(job -> deleteJob(job, context));
    context.getSecondaryResources(Job.class).stream()
        .filter(j -> PrecomputeJobs.isOwnPrecompute(j, kdx))
        .filter(j -> j.getMetadata().getDeletionTimestamp() == null)
        .forEach(j -> deleteJob(j, context));
    context.getSecondaryResources(ConfigMap.class).stream()
        .filter(c -> ChildOwnership.ownedBy(c, kdx))
        .forEach(c -> context.getClient().resource(c).delete());
  }

  private static void deleteJob(Job job, Context<KDExperiment> context) {
    context
        .getClient()
        .batch()
        .v1()
        .jobs()
        .inNamespace(job.getMetadata().getNamespace())
        .withName(job.getMetadata().getName())
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
  }

  /** The precompute Job of this attempt (owner UID match), if any. */
  private static Optional<Job> precomputeJob(KDExperiment kdx, Context<KDExperiment> context) {
    return context.getSecondaryResources(Job.class).stream()
        .filter(j -> PrecomputeJobs.isCurrent(j, kdx))
        .findFirst();
  }

  /** A pod of the soft-label precompute Job, which is not the trainer. */
  private static boolean isPrecomputePod(Pod p) {
    return p.getMetadata().getLabels() != null
        && PrecomputeJobs.COMPONENT.equals(
            p.getMetadata().getLabels().get("app.kubernetes.io/component"));
  }

  private static void announce(
      KDExperiment kdx, KDExperimentStatus old, KDExperimentStatus now, EventRecorder events) {
    Phase before = old == null ? null : old.getPhase();
    Phase after = now.getPhase();
    if (after == before || after == null) {
      return;
    }
    String message = now.condition(KDExperimentStatus.READY).map(c -> c.getMessage()).orElse("");
    switch (after) {
      case FAILED ->
          events.warning(
              kdx,
              "Failed",
              now.condition(KDExperimentStatus.STALLED).map(c -> c.getMessage()).orElse(message));
      case SUCCEEDED -> events.normal(kdx, "Succeeded", "training finished");
      default -> events.normal(kdx, after.displayName(), message);
    }
    LOG.info("{}: {} -> {}", kdx.getMetadata().getName(), before, after);
  }

  private static boolean isInvalid(KDExperimentStatus s) {
    return s != null
        && s.condition(KDExperimentStatus.STALLED)
            .map(c -> StatusResolver.INVALID_SPEC.equals(c.getReason()))
            .orElse(false);
  }

  private static int attemptOf(Job job) {
    String a =
        job.getMetadata().getAnnotations() == null
            ? null
            : job.getMetadata().getAnnotations().get(ChildNames.ATTEMPT_ANNOTATION);
    try {
      return a == null ? 1 : Integer.parseInt(a);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean ownedBy(Pod pod, Job job) {
    if (pod.getMetadata().getOwnerReferences() != null && job.getMetadata().getUid() != null) {
      return pod.getMetadata().getOwnerReferences().stream()
          .anyMatch(o -> job.getMetadata().getUid().equals(o.getUid()));
    }
    return false;
  }

  private static UpdateControl<KDExperiment> writeStatus(
      KDExperiment kdx, KDExperimentStatus status, Context<KDExperiment> context) {
    return UpdateControl.patchStatus(withStatus(kdx, status));
  }

  /**
   * A status-only object (name, namespace, status), so the patch touches nothing but the status
   * and, applied server-side, claims no other field.
   */
  static KDExperiment withStatus(KDExperiment kdx, KDExperimentStatus status) {
    KDExperiment patch = new KDExperiment();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(kdx.getMetadata().getName())
            .withNamespace(kdx.getMetadata().getNamespace())
            .build());
    patch.setSpec(null);
    patch.setStatus(status);
    return patch;
  }
}
