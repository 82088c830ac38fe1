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
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
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

    // 1. A finished experiment keeps its result; only its children expire.
    if (StatusResolver.isFinished(old) && !restartRequested) {
      return expireChildren(kdx, context, now);
    }

    // 2. Validate: nothing is created for a spec the trainer would reject. Warnings (the trainer
    // runs it, but probably not as meant) are said once per generation, as an Event.
    List<ValidationProblem> found = KDExperimentValidator.validate(kdx);
    List<ValidationProblem> problems = found.stream().filter(ValidationProblem::isError).toList();
    if (!problems.isEmpty()) {
      KDExperimentStatus invalid = StatusResolver.invalid(kdx, problems, now);
      if (!Objects.equals(invalid, old)) {
        LOG.info("{} is invalid: {}", kdx.getMetadata().getName(), problems);
        if (!isInvalid(old)) {
          events.warning(
              kdx,
              StatusResolver.INVALID_SPEC,
              invalid.condition(KDExperimentStatus.STALLED).get().getMessage());
        }
        return UpdateControl.patchStatus(withStatus(kdx, invalid));
      }
      return UpdateControl.noUpdate();
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
      return UpdateControl.patchStatus(withStatus(kdx, restarted))
          .rescheduleAfter(STALE_JOB_RECHECK);
    }

    // 4. Wait until a Job of an earlier attempt is gone before creating this attempt's Job.
    int attempt = ChildNames.attempt(kdx);
    Optional<Job> cachedJob = trainingJob(kdx, context);
    if (cachedJob.isPresent() && attemptOf(cachedJob.get()) != attempt) {
      LOG.debug("waiting for the Job of attempt {} to go", attemptOf(cachedJob.get()));
      return UpdateControl.<KDExperiment>noUpdate().rescheduleAfter(STALE_JOB_RECHECK);
    }

    // 5. Claims the user names must exist; otherwise say which, rather than leave a pod Pending.
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
                : UpdateControl.patchStatus(withStatus(kdx, waiting.get()));
        return wait.rescheduleAfter(config.pollInterval());
      }
    }

    context.managedWorkflowAndDependentResourceContext().put(OperatorConfig.class, config);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();

    Job job = trainingJob(kdx, context).filter(j -> attemptOf(j) == attempt).orElse(null);
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
    KDExperimentStatus status =
        PrecomputeProgress.apply(
            StatusResolver.resolve(kdx, job, pods, live, now),
            kdx,
            childJob(context, PrecomputeJobs.name(kdx)).orElse(null),
            job != null,
            now);
    announce(kdx, old, status, events);

    UpdateControl<KDExperiment> control =
        Objects.equals(status, old)
            ? UpdateControl.noUpdate()
            : UpdateControl.patchStatus(withStatus(kdx, status));
    if (status.getPhase() != null && !status.getPhase().isTerminal()) {
      control.rescheduleAfter(config.pollInterval());
    } else if (StatusResolver.isFinished(status)) {
      ttlRemaining(kdx, status, now).ifPresent(control::rescheduleAfter);
    }
    return control;
  }

  private UpdateControl<KDExperiment> expireChildren(
      KDExperiment kdx, Context<KDExperiment> context, Instant now) {
    Optional<Duration> remaining = ttlRemaining(kdx, kdx.getStatus(), now);
    if (remaining.isEmpty()) {
      return UpdateControl.noUpdate();
    }
    if (!remaining.get().isZero()) {
      return UpdateControl.<KDExperiment>noUpdate().rescheduleAfter(remaining.get());
    }
    if (trainingJob(kdx, context).isPresent()
        || context.getSecondaryResource(ConfigMap.class).isPresent()) {
      LOG.info(
          "{} finished more than ttlSecondsAfterFinished ago: deleting its Job and ConfigMap",
          kdx.getMetadata().getName());
      deleteChildren(kdx, context);
    }
    return UpdateControl.noUpdate();
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

  private static void deleteChildren(KDExperiment kdx, Context<KDExperiment> context) {
    String ns = kdx.getMetadata().getNamespace();
    context
        .getClient()
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .withName(ChildNames.job(kdx))
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
    context.getClient().configMaps().inNamespace(ns).withName(ChildNames.configMap(kdx)).delete();
  }

  /** The training Job (two dependents own Jobs, so Jobs are told apart by name). */
  private static Optional<Job> trainingJob(KDExperiment kdx, Context<KDExperiment> context) {
    return childJob(context, ChildNames.job(kdx));
  }

  private static Optional<Job> childJob(Context<KDExperiment> context, String name) {
    return context.getSecondaryResources(Job.class).stream()
        .filter(j -> name.equals(j.getMetadata().getName()))
        .findFirst();
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
